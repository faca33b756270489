# fanout.gp: fan-out latency p50 (from t0 until the last subscriber has the
# frame) against the number of subscribers, log y, one line per transport and
# frame size, from the fanout-mode rows of an ipcbench results.csv. Renders one
# file; call it as
#   gnuplot -e "csv='DIR/results.csv'; out='DIR/plots/fanout.svg'; fmt='svg'; transports='qcop qcop unix'; sizes='1080p 4k 1080p'" scripts/fanout.gp
# Word i of transports and of sizes name line i. fmt is svg or png;
# colors='1 1 3' (gnuplot linetypes, one per line) is optional and keeps each
# transport's colour the same across plots; dashes='1 2 1' (one per line,
# the size's position) is optional and tells the sizes apart. Rows with an
# empty subscribers or p50_us cell are skipped; each line's rows must be
# adjacent in the file (results.csv sorts them so).

if (!exists("fmt")) fmt = 'svg'
if (fmt eq 'svg') {
    set terminal svg size 900,560 dynamic enhanced font 'sans,11' background rgb 'white'
} else {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size 900,560 enhanced font 'sans,11' background rgb 'white'
    } else {
        set terminal png size 900,560 font 'sans,11' background rgb 'white'
    }
}
set output out
if (!exists("colors")) colors = ''
if (!exists("dashes")) dashes = ''
color_of(i) = i <= words(colors) ? word(colors, i) + 0 : i
dash_of(i) = i <= words(dashes) ? word(dashes, i) + 0 : 1
point_of(i) = word('7 5 9 11 13 15', (dash_of(i) - 1) % 6 + 1) + 0

mode = 'fanout'
set datafile separator ','
set datafile columnheaders

# Which columns the file has (STATS_column_header), and whether any row of
# this mode has a usable value (stats leaves STATS_records undefined if not).
positive(v) = v > 0 ? v : NaN
pick(t, s) = (strcol('mode') eq mode && (t eq '' || strcol('transport') eq t) \
              && (s eq '' || strcol('size') eq s)) ? positive(column('p50_us')) : NaN
stats csv using 0 nooutput
has(name) = sum [i=1:STATS_columns] (STATS_column_header[i] eq name ? 1 : 0) > 0
ok = has('transport') && has('mode') && has('size') && has('subscribers') && has('p50_us')
if (ok) {
    undefine STATS_records
    stats csv using (column('subscribers') > 0 ? pick('', '') : NaN) nooutput
    ok = exists("STATS_records")
}

set title 'Fan-out latency by number of subscribers (p50 until the last subscriber has the frame)'
set xlabel 'subscribers'
set ylabel 'latency p50 (µs)'
set grid xtics ytics mytics lc rgb '#cccccc'
set key outside right top
if (!ok) {
    set label 1 'no fanout results in '.csv at graph 0.5, 0.5 center noenhanced
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
    exit
}

# Whole subscriber counts on x, one tic each up to 16.
stats csv using (strcol('mode') eq mode ? positive(column('subscribers')) : NaN) nooutput
set xrange [0.5:STATS_max + 0.5]
if (STATS_max <= 16) { set xtics 1 }
set logscale y
set format y '%g'
n = words(transports)
plot for [i=1:n] csv \
     using (positive(column('subscribers'))):(pick(word(transports, i), word(sizes, i))) \
     with linespoints lc color_of(i) dt dash_of(i) lw 2 pt point_of(i) ps 0.7 \
     title word(transports, i).' '.word(sizes, i) noenhanced
