# throughput.gp: throughput (MB/s of payload the peer confirmed) against frame
# size in bytes, log-log, one line per transport, from the throughput-mode rows
# of an ipcbench results.csv. Renders one file; call it as
#   gnuplot -e "csv='DIR/results.csv'; out='DIR/plots/throughput.svg'; fmt='svg'; transports='shm tcp unix'" scripts/throughput.gp
# fmt is svg or png. colors='#009E73 #0072B2 #0072B2', dashes='1 3 1' and
# points='7 9 7' (one word per transport, see common.gp) are optional and keep
# each transport's look the same across plots. In SVG every point carries a
# tooltip with its exact value. Rows with an empty bytes or mb_per_s cell are
# skipped; without any, the plot says "no throughput results".

dir_of(s) = strstrt(s, '/') == 0 ? '' : s[1:strstrt(s, '/')] . dir_of(s[strstrt(s, '/') + 1:])
load dir_of(ARG0).'common.gp'

mode = 'throughput'
set datafile separator ','
set datafile columnheaders

# Which columns the file has (STATS_column_header), and whether any row of
# this mode has a usable value (stats leaves STATS_records undefined if not).
pick(t, col) = (strcol('mode') eq mode && (t eq '' || strcol('transport') eq t)) \
               ? positive(column(col)) : NaN
undefine STATS_*
stats csv using 0 nooutput
has(name) = has_column(name)
ok = has('transport') && has('mode') && has('bytes') && has('mb_per_s')
if (ok) {
    undefine STATS_records
    stats csv using (column('bytes') > 0 ? pick('', 'mb_per_s') : NaN) nooutput
    ok = exists("STATS_records")
}
if (ok) {
    # the data's extent, for the ticks (stats skips values outside set ranges)
    y_lo = STATS_min; y_hi = STATS_max
    stats csv using (is_number(pick('', 'mb_per_s')) ? positive(column('bytes')) : NaN) nooutput
    x_lo = STATS_min; x_hi = STATS_max
}

set title 'Throughput by frame size (stream with a window of frames in flight)'
set xlabel 'frame payload'
set ylabel 'throughput'
if (!ok) {
    set label 1 'no throughput results in '.csv at graph 0.5, 0.5 center noenhanced
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
    exit
}

set logscale xy
eval log_axis('x', x_lo, x_hi, 'B')
eval log_axis('y', y_lo, y_hi, 'MB/s')
tip(i) = sprintf('%s %s: %s MB/s', word(transports, i), strcol('size'), num(column('mb_per_s')))
n = words(transports)
plot for [i=1:n] csv \
         using (positive(column('bytes'))):(pick(word(transports, i), 'mb_per_s')) \
         with linespoints lc rgb color_of(i) dt dash_of(i) lw 2 pt point_of(i) ps 0.8 \
         title word(transports, i) noenhanced, \
     for [i=1:tips(n)] csv \
         using (positive(column('bytes'))):(pick(word(transports, i), 'mb_per_s')):(tip(i)) \
         with labels hypertext point pt 7 ps 1.6 lc rgb tip_color notitle
