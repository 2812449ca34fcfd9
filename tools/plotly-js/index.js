// plotly.js with the trace types the workbooks draw and nothing else (scatter is in the
// core). A new chart type goes here first: tests/browser/test_plotly_js.py draws every
// chart of the goldens and of a sweep report with the built file and fails on a type it
// lacks (plotly.js would draw an unknown type as an empty scatter chart, without a word).
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/histogram'),
    require('plotly.js/lib/waterfall'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/contour'),
]);

module.exports = Plotly;
