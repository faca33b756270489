# latency.gp: one-way latency (t1 - t0) against frame size in bytes, log-log,
# one colour per transport: p50 solid, p99 dashed, from the latency-mode rows
# of an ipcbench results.csv. Renders one file; call it as
#   gnuplot -e "csv='DIR/results.csv'; out='DIR/plots/latency.svg'; fmt='svg'; transports='shm tcp unix'" scripts/latency.gp
# fmt is svg or png; colors='1 3 4' (gnuplot linetypes, one per transport) is
# optional and keeps each transport's colour the same across plots. Rows with
# an empty bytes or percentile cell are skipped.

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
color_of(i) = i <= words(colors) ? word(colors, i) + 0 : i

mode = 'latency'
set datafile separator ','
set datafile columnheaders

# Which columns the file has (STATS_column_header), and whether any row of
# this mode has a usable value (stats leaves STATS_records undefined if not).
positive(v) = v > 0 ? v : NaN
pick(t, col) = (strcol('mode') eq mode && (t eq '' || strcol('transport') eq t)) \
               ? positive(column(col)) : NaN
stats csv using 0 nooutput
has(name) = sum [i=1:STATS_columns] (STATS_column_header[i] eq name ? 1 : 0) > 0
ok = has('transport') && has('mode') && has('bytes') && has('p50_us') && has('p99_us')
if (ok) {
    undefine STATS_records
    stats csv using (column('bytes') > 0 ? pick('', 'p50_us') : NaN) nooutput
    ok = exists("STATS_records")
}

set title 'One-way latency by frame size (ping-pong; solid p50, dashed p99)'
set xlabel 'frame payload (bytes)'
set ylabel 'one-way latency (µs)'
set grid xtics ytics mxtics mytics lc rgb '#cccccc'
set key outside right top
if (!ok) {
    set label 1 'no latency results in '.csv at graph 0.5, 0.5 center noenhanced
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
    exit
}

set logscale xy
set format x '%.0s %cB'
set format y '%g'
n = words(transports)
plot for [i=1:n] csv \
         using (positive(column('bytes'))):(pick(word(transports, i), 'p50_us')) \
         with linespoints lc color_of(i) dt 1 lw 2 pt 7 ps 0.7 \
         title word(transports, i).' p50' noenhanced, \
     for [i=1:n] csv \
         using (positive(column('bytes'))):(pick(word(transports, i), 'p99_us')) \
         with linespoints lc color_of(i) dt 2 lw 1.5 pt 6 ps 0.7 \
         title word(transports, i).' p99' noenhanced
