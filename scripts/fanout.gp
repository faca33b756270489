# fanout.gp: fan-out latency p50 (from t0 until the last subscriber has the
# frame) against the number of subscribers, log y, one line per transport and
# frame size, from the fanout-mode rows of an ipcbench results.csv. Renders one
# file; call it as
#   gnuplot -e "csv='DIR/results.csv'; out='DIR/plots/fanout.svg'; fmt='svg'; transports='qcop qcop unix'; sizes='1080p 4k 1080p'" scripts/fanout.gp
# Word i of transports and of sizes name line i. fmt is svg or png.
# colors='#E69F00 #E69F00 #0072B2', dashes='1 2 1' and points='7 7 7' (one
# word per line, see common.gp) are optional; ipcbench gives a transport its
# family's colour and its point type, and each size its dash. In SVG every
# point carries a tooltip with its exact value. Rows with an empty
# subscribers or p50_us cell are skipped; each line's rows must be adjacent in
# the file (results.csv sorts them so); without any, the plot says "no fanout
# results".

dir_of(s) = strstrt(s, '/') == 0 ? '' : s[1:strstrt(s, '/')] . dir_of(s[strstrt(s, '/') + 1:])
load dir_of(ARG0).'common.gp'

mode = 'fanout'
set datafile separator ','
set datafile columnheaders

# Which columns the file has (STATS_column_header), and whether any row of
# this mode has a usable value (stats leaves STATS_records undefined if not).
pick(t, s) = (strcol('mode') eq mode && (t eq '' || strcol('transport') eq t) \
              && (s eq '' || strcol('size') eq s)) ? positive(column('p50_us')) : NaN
undefine STATS_*
stats csv using 0 nooutput
has(name) = has_column(name)
ok = has('transport') && has('mode') && has('size') && has('subscribers') && has('p50_us')
if (ok) {
    undefine STATS_records
    stats csv using (column('subscribers') > 0 ? pick('', '') : NaN) nooutput
    ok = exists("STATS_records")
}
if (ok) {
    # the data's extent (stats skips values outside set ranges)
    y_lo = STATS_min; y_hi = STATS_max
    stats csv using (is_number(pick('', '')) ? positive(column('subscribers')) : NaN) nooutput
    x_hi = STATS_max
}

set title 'Fan-out latency by number of subscribers (p50 until the last subscriber has the frame)'
set xlabel 'subscribers'
set ylabel 'latency p50'
if (!ok) {
    set label 1 'no fanout results in '.csv at graph 0.5, 0.5 center noenhanced
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
    exit
}

# Whole subscriber counts on x, one tic each up to 16.
set xrange [0.5:x_hi + 0.5]
if (x_hi <= 16) { set xtics 1 }
set logscale y
eval log_axis('y', y_lo, y_hi, 'us')
tip(i) = sprintf('%s %s, %d subscribers: %s µs p50', word(transports, i), word(sizes, i), \
                 int(column('subscribers')), num(column('p50_us')))
n = words(transports)
plot for [i=1:n] csv \
         using (positive(column('subscribers'))):(pick(word(transports, i), word(sizes, i))) \
         with linespoints lc rgb color_of(i) dt dash_of(i) lw 2 pt point_of(i) ps 0.8 \
         title word(transports, i).' '.word(sizes, i) noenhanced, \
     for [i=1:tips(n)] csv \
         using (positive(column('subscribers'))):(pick(word(transports, i), word(sizes, i))):(tip(i)) \
         with labels hypertext point pt 7 ps 1.6 lc rgb tip_color notitle
