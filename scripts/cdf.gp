# cdf.gp: cumulative distribution of one-way latency at one frame size, x =
# latency in µs (log scale), y = fraction of frames delivered within it, one
# line per transport, from ipcbench histogram files ("upper_us count
# cumulative_fraction" per line, '#' comments). Renders one file; call it as
#   gnuplot -e "files='h/shm_latency_1080p.dat h/tcp_latency_1080p.dat'; titles='shm tcp'; size='1080p'; out='DIR/plots/cdf.svg'; fmt='svg'" scripts/cdf.gp
# fmt is svg or png; titles defaults to the file names, size (for the title)
# is optional, colors='1 3' (gnuplot linetypes, one per file) keeps each
# transport's colour the same across plots.

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

if (!exists("titles")) titles = files
if (!exists("size")) size = ''
if (!exists("colors")) colors = ''
title_of(i) = i <= words(titles) ? word(titles, i) : word(files, i)
color_of(i) = i <= words(colors) ? word(colors, i) + 0 : i

set title 'Latency CDF'.(size eq '' ? '' : ', '.size.' frames').' (latency mode, all samples)' noenhanced
set xlabel 'one-way latency (µs)'
set ylabel 'fraction of frames delivered within'
set grid xtics ytics mxtics lc rgb '#cccccc'
set key outside right top
set logscale x
set format x '%g'
set yrange [0:1.02]
set ytics 0, 0.1, 1
plot for [i=1:words(files)] word(files, i) using 1:3 \
     with steps lc color_of(i) lw 2 title title_of(i) noenhanced
