// Builds the harness host page (harness/host.tsx and the shared dependencies
// it registers) into test-artifacts/browser/harness/. The plugin itself is not
// part of this bundle: the page loads the built dist/module.js through SystemJS.
const path = require('path');

const root = path.resolve(__dirname, '../..');

module.exports = {
  mode: 'production',
  context: __dirname,
  entry: { host: './harness/host.tsx' },
  devtool: false,
  cache: { type: 'filesystem', cacheDirectory: path.join(root, 'node_modules/.cache/webpack-harness') },
  output: {
    path: path.join(root, 'test-artifacts/browser/harness'),
    publicPath: '/harness/',
    filename: '[name].js',
    clean: true,
  },
  optimization: { minimize: false },
  performance: { hints: false },
  resolve: { extensions: ['.js', '.jsx', '.ts', '.tsx', '.mjs'] },
  module: {
    rules: [
      // @grafana/* .mjs files import ESM packages without file extensions.
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
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
