# overlay.gp: one counter of one mode against frame size in bytes, log-log,
# this run against a baseline: one colour per transport, this run solid with
# filled points, the baseline dashed with open points, from two ipcbench
# results.csv files. Renders one file; call it as
#   gnuplot -e "csv='results.csv'; base='plots/baseline.csv'; mode='latency'; col='p50_us'; ylabel='one-way latency p50 (µs)'; title='...'; transports='shm tcp'; out='plots/compare-latency.svg'; fmt='svg'" scripts/overlay.gp
# fmt is svg or png; colors='1 3' (gnuplot linetypes, one per transport)
# keeps each transport's colour the same as in the other plots. Rows with an
# empty or non-positive cell are skipped.

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
if (!exists("title")) title = col.' ('.mode.' mode): this run (solid) against the baseline (dashed)'
if (!exists("ylabel")) ylabel = col
color_of(i) = i <= words(colors) ? word(colors, i) + 0 : i

set datafile separator ','
set datafile columnheaders
positive(v) = v > 0 ? v : NaN
pick(t) = (strcol('mode') eq mode && strcol('transport') eq t) ? positive(column(col)) : NaN

set title title noenhanced
set xlabel 'frame payload (bytes)'
set ylabel ylabel noenhanced
set grid xtics ytics mxtics mytics lc rgb '#cccccc'
set key outside right top
set logscale xy
set format x '%.0s %cB'
set format y '%g'
n = words(transports)
plot for [i=1:n] csv \
         using (positive(column('bytes'))):(pick(word(transports, i))) \
         with linespoints lc color_of(i) dt 1 lw 2 pt 7 ps 0.7 \
         title word(transports, i) noenhanced, \
     for [i=1:n] base \
         using (positive(column('bytes'))):(pick(word(transports, i))) \
         with linespoints lc color_of(i) dt 2 lw 1.5 pt 6 ps 0.7 \
         title word(transports, i).' (baseline)' noenhanced
