# cdf.gp: cumulative distribution of one-way latency at one frame size, x =
# latency (log scale), y = fraction of frames delivered within it, one line
# per transport, from ipcbench histogram files ("upper_us count
# cumulative_fraction" per line, '#' comments). Renders one file; call it as
#   gnuplot -e "files='h/shm_latency_1080p.dat h/tcp_latency_1080p.dat'; titles='shm tcp'; size='1080p'; out='DIR/plots/cdf-1080p.svg'; fmt='svg'" scripts/cdf.gp
# fmt is svg or png; titles defaults to the file names, size (for the title
# and tooltips) is optional. colors, dashes and points (one word per file,
# see common.gp) are optional and keep each transport's look the same across
# plots. In SVG each line carries tooltips where it crosses p50, p90 and p99
# (the bucket's upper bound, buckets being 2% wide). Files without data lines
# draw nothing; if none has any, the plot says "no histogram data".

dir_of(s) = strstrt(s, '/') == 0 ? '' : s[1:strstrt(s, '/')] . dir_of(s[strstrt(s, '/') + 1:])
load dir_of(ARG0).'common.gp'

if (!exists("titles")) titles = files
if (!exists("size")) size = ''
title_of(i) = i <= words(titles) ? word(titles, i) : word(files, i)
n = words(files)

# The latencies' extent over all files, for the ticks.
ok = 0
do for [i=1:n] {
    undefine STATS_records
    stats word(files, i) using 1 nooutput
    if (exists("STATS_records") && STATS_min > 0) {
        x_lo = ok ? min_(x_lo, STATS_min) : STATS_min
        x_hi = ok ? max_(x_hi, STATS_max) : STATS_max
        ok = 1
    }
}

set title 'Latency CDF'.(size eq '' ? '' : ', '.size.' frames').' (latency mode, all samples)' noenhanced
set xlabel 'one-way latency'
set ylabel 'fraction of frames delivered within'
set yrange [0:1.02]
set ytics 0, 0.1, 1
set mytics 2
if (!ok) {
    set label 1 'no histogram data' at graph 0.5, 0.5 center noenhanced
    set xrange [0:1]
    plot NaN notitle
    exit
}

set logscale x
eval log_axis('x', x_lo, x_hi, 'us')
# x of the first bucket (row) whose cumulative fraction reaches q, else NaN;
# hit is reset on each file's first data row.
crossing(q) = (column(0) == 0 ? (hit = 0) : 0, (!hit && column(3) >= q) ? (hit = 1, column(1)) : NaN)
tip(i, q) = sprintf('%s%s: p%g ≤ %s µs', title_of(i), size eq '' ? '' : ' '.size, 100 * q, num(column(1)))
quantiles = '0.5 0.9 0.99'
plot for [i=1:n] word(files, i) using 1:3 \
         with steps lc rgb color_of(i) dt dash_of(i) lw 2 title title_of(i) noenhanced, \
     for [i=1:tips(n)] for [j=1:words(quantiles)] word(files, i) \
         using (crossing(word(quantiles, j) + 0)):3:(tip(i, word(quantiles, j) + 0)) \
         with labels hypertext point pt 7 ps 1.6 lc rgb tip_color notitle
