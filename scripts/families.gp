# families.gp: one-way latency p50 against frame size, log-log, as small
# multiples: one panel per transport family with that family's transports and
# a reference transport (memcpy) in each, all panels on the same axes, from the
# latency-mode rows of an ipcbench results.csv. Renders one file; call it as
#   gnuplot -e "csv='DIR/results.csv'; out='DIR/plots/families.svg'; fmt='svg'; transports='unix tcp shm'; panels='1 1 2'; panel_titles='sockets \"shared memory\"'; reference='memcpy'" scripts/families.gp
# Word i of transports is drawn in panel word(panels, i); panel k is titled
# word(panel_titles, k). reference (optional) is drawn in every panel in
# ref_style ('COLOR DASH POINT', default '#000000 1 7'). fmt is svg or png;
# colors, dashes and points (one word per transport, see common.gp) are
# optional. In SVG every point carries a tooltip with its exact value. Rows
# with an empty bytes or p50_us cell are skipped; without any, the plot says
# "no latency results".

npanels = exists("panel_titles") ? words(panel_titles) : 1
cols = npanels > 1 ? 2 : 1
rows = (npanels + cols - 1) / cols
height = 60 + 300 * rows
dir_of(s) = strstrt(s, '/') == 0 ? '' : s[1:strstrt(s, '/')] . dir_of(s[strstrt(s, '/') + 1:])
load dir_of(ARG0).'common.gp'

mode = 'latency'
col = 'p50_us'
if (!exists("reference")) reference = ''
if (!exists("ref_style")) ref_style = '#000000 1 7'
ref_color = word(ref_style, 1)
ref_dash = word(ref_style, 2) + 0
ref_point = word(ref_style, 3) + 0
if (!exists("panels")) panels = ''
panel_of(i) = i <= words(panels) ? word(panels, i) + 0 : 1
panel_title(k) = exists("panel_titles") ? word(panel_titles, k) : ''
set datafile separator ','
set datafile columnheaders

pick(t) = (strcol('mode') eq mode && (t eq '' || strcol('transport') eq t)) \
          ? positive(column(col)) : NaN
undefine STATS_*
stats csv using 0 nooutput
has(name) = has_column(name)
ok = has('transport') && has('mode') && has('bytes') && has('size') && has(col)
if (ok) {
    undefine STATS_records
    stats csv using (column('bytes') > 0 ? pick('') : NaN) nooutput
    ok = exists("STATS_records")
}
if (ok) {
    # the extent of all the data, so every panel has the same axes
    y_lo = STATS_min; y_hi = STATS_max
    stats csv using (is_number(pick('')) ? positive(column('bytes')) : NaN) nooutput
    x_lo = STATS_min; x_hi = STATS_max
}

if (!ok) {
    set label 1 'no latency results in '.csv at graph 0.5, 0.5 center noenhanced
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
    exit
}

set logscale xy
eval log_axis('x', x_lo, x_hi, 'B')
eval log_axis('y', y_lo, y_hi, 'us')
set key inside left top font ',9' samplen 3 spacing 0.9 opaque
set xlabel 'frame payload' offset 0, 0.5
set ylabel 'one-way latency p50' offset 1, 0
tip(t) = sprintf('%s %s: %s µs p50', t, strcol('size'), num(column(col)))
in_panel(i, k) = panel_of(i) == k
n = words(transports)
nref = reference eq '' ? 0 : 1
set multiplot layout rows, cols \
    title 'One-way latency p50 by frame size, a panel per transport family'.(nref ? ' ('.reference.' in each)' : '') \
    noenhanced
do for [k=1:npanels] {
    set title panel_title(k) noenhanced
    # a transport outside panel k draws nothing (its y is NaN)
    plot for [j=1:nref] csv using (positive(column('bytes'))):(pick(reference)) \
             with linespoints lc rgb ref_color dt ref_dash lw 2 pt ref_point ps 0.8 \
             title reference noenhanced, \
         for [i=1:n] csv \
             using (positive(column('bytes'))):(in_panel(i, k) ? pick(word(transports, i)) : NaN) \
             with linespoints lc rgb color_of(i) dt dash_of(i) lw 2 pt point_of(i) ps 0.8 \
             title (in_panel(i, k) ? word(transports, i) : '') noenhanced, \
         for [j=1:tips(nref)] csv \
             using (positive(column('bytes'))):(pick(reference)):(tip(reference)) \
             with labels hypertext point pt 7 ps 1.6 lc rgb tip_color notitle, \
         for [i=1:tips(n)] csv \
             using (positive(column('bytes'))):(in_panel(i, k) ? pick(word(transports, i)) : NaN):(tip(word(transports, i))) \
             with labels hypertext point pt 7 ps 1.6 lc rgb tip_color notitle
}
unset multiplot
