// Builds ../../lib/marketbooks/run/share/jupyter/voila/templates/marketbooks/static/plotly-marketbooks.min.js
// as plotly.js builds its own partial bundles (its esbuild-config.js): one minified script
// that sets window.Plotly. The CSS plotly.js imports is maplibre's, for map traces only.
'use strict';

const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const plotly = require('plotly.js/package.json');

const out = path.join(
    __dirname, '..', '..', 'lib', 'marketbooks', 'run', 'share', 'jupyter', 'voila', 'templates',
    'marketbooks', 'static', 'plotly-marketbooks.min.js'
);

esbuild.build({
    entryPoints: [path.join(__dirname, 'index.js')],
    outfile: out,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    plugins: [environmentPlugin({ NODE_DEBUG: false })],
    alias: { stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    loader: { '.css': 'empty' },
    target: 'es2016',
    legalComments: 'eof',
    banner: {
        js: '/**\n* plotly.js v' + plotly.version + ' (Market Workbooks bundle: scatter, bar, histogram,' +
            ' waterfall, heatmap, contour; tools/plotly-js)\n* Copyright 2012-2026, Plotly, Inc.\n' +
            '* All rights reserved.\n* Licensed under the MIT license\n*/',
    },
    logLevel: 'info',
}).catch(() => process.exit(1));
