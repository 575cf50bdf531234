// Builds the pages (src/gauges.tsx, src/fleet.tsx, src/events.tsx) into test-artifacts/e2e/browser-build/
// from the root project's packages (@grafana/data, @grafana/ui, React: the
// versions the plugin is built against and Grafana 13 provides).
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '../..');

module.exports = {
  mode: 'production',
  context: __dirname,
  entry: { gauges: './src/gauges.tsx', fleet: './src/fleet.tsx', events: './src/events.tsx' },
  devtool: false,
  cache: { type: 'filesystem', cacheDirectory: path.join(root, 'node_modules/.cache/webpack-e2e-gauges') },
  output: { path: path.join(root, 'test-artifacts/e2e/browser-build'), publicPath: '/', filename: '[name].js', clean: true },
  optimization: { minimize: false },
  performance: { hints: false },
  resolve: { extensions: ['.js', '.jsx', '.ts', '.tsx', '.mjs'], modules: [path.join(root, 'node_modules')] },
  resolveLoader: { modules: [path.join(root, 'node_modules')] },
  module: {
    rules: [
      // @grafana/* .mjs files import ESM packages without file extensions.
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      // @grafana/ui's .mjs default-imports CommonJS packages built from ES modules
      // (react-custom-scrollbars-2): their `default` needs the CommonJS interop.
      // Webpack matches rules against resolved (real) paths: a symlinked node_modules too.
      { test: /\.mjs$/, include: fs.realpathSync(path.join(root, 'node_modules/@grafana/ui')), type: 'javascript/auto' },
      {
        test: /\.tsx?$/,
        include: path.join(__dirname, 'src'),
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true },
              transform: { react: { runtime: 'automatic' } },
            },
          },
        },
      },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(png|jpe?g|gif|svg|woff2?|eot|ttf|otf)$/, type: 'asset/resource' },
    ],
  },
};
