/**
 * The page's stylesheet: one column that reads at a phone's width (tables scroll sideways inside their own box),
 * prints on white with charts kept whole, and never says a status by colour alone (✔ ✖ ? and the word).
 */
export const PAGE_CSS = `
*{box-sizing:border-box}
body{overflow-wrap:anywhere;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:1140px;padding:12px}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.2em 0 .4em;border-bottom:1px solid #ccc}h3{font-size:1.05em;margin:1em 0 .3em}
code{font:.9em ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
pre.source{overflow-x:auto;background:#f6f6f6;border:1px solid #ddd;padding:8px;font-size:.85em}pre.source code{word-break:normal;white-space:pre}
.meta,.small{color:#444;font-size:.88em}
.summary{border:2px solid #999;border-left-width:8px;padding:.3em 1em;border-radius:4px}
.summary ul{padding-left:1.2em;margin:.4em 0}.summary li{margin:.2em 0}
.st-box-pass{border-color:#0072B2}.st-box-fail{border-color:#D55E00}.st-box-unknown{border-color:#E69F00}
.st{font-weight:600;white-space:nowrap;padding:0 .35em;border-radius:3px}
.st-pass{color:#fff;background:#0072B2}.st-fail{color:#fff;background:#D55E00}.st-unknown{color:#000;background:#F0E442}
.tw{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{overflow-wrap:normal;border-bottom:1px solid #ddd;padding:.3em .45em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
.checks .d1{padding-left:1em}.checks .d2{padding-left:2em}.checks .d3{padding-left:3em}.checks .d4{padding-left:4em}
.checks .d1::before,.checks .d2::before,.checks .d3::before,.checks .d4::before{content:"└ ";color:#888}
.chart{margin:.6em 0 1.2em;min-height:240px}
.legend{font-size:.88em}
.k{display:inline-block;width:1.4em;height:.9em;vertical-align:middle;border:1px solid #888}
.k-fault{background:repeating-linear-gradient(45deg,rgba(213,94,0,.35) 0 2px,rgba(213,94,0,.1) 2px 6px)}
.k-action{background:rgba(0,114,178,.3)}.k-measured{background:rgba(80,80,80,.6);height:.35em}
.omitted{font-style:italic;color:#444}
.uplot .u-title{font-size:14px;font-weight:600;text-align:left}
.uplot .u-legend{font-size:12px;text-align:left}
@media (max-width:600px){body{font-size:14px;padding:6px}.uplot .u-legend .u-series{display:block}}
@media print{.uplot,.u-wrap,.uplot canvas{max-width:100%!important}.u-over,.u-under{max-width:100%}body{max-width:none;padding:0;font-size:11pt}.chart,table,tr,.summary{break-inside:avoid}details{display:block}details>summary{display:none}a{color:inherit}}
`;
