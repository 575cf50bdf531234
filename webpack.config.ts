// Extends create-plugin's webpack config (.config/, not edited by hand) with
// the dashboard that plugin.json bundles: provisioning/dashboards/*.json is
// the one source of the dashboard, copied to dist/dashboards/.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';

import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  return merge(baseConfig, {
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          {
            from: '../provisioning/dashboards/*.json',
            to: 'dashboards/[name][ext]',
            noErrorOnMissing: true,
          },
        ],
      }),
    ],
  });
};

export default config;
