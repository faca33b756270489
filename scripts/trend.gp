# trend.gp: benchmarks over time (or over commits) from the history database,
# a panel per benchmark and a line per host, as `ipcbench history trend`
# writes them. Renders one file; ipcbench calls it as
#   gnuplot -e "data='DIR/trend.dat'; out='DIR/plots/trend.svg'; fmt='svg'; ..." scripts/trend.gp
# data holds one block per (benchmark, host), two blank lines apart, blocks of
# one benchmark together; a line is "x median min max", x a Unix time or a
# commit's ordinal. The other variables, one word per panel or per block:
#   panels='unix/latency/64 ...'    a panel's title (its benchmark)
#   panel_first='0 2' panel_last='1 3'   the blocks of each panel (0-based)
#   block_host='1 2 1 2'            each block's host, an index into hosts
#   hosts='vm ci-2'                 the hosts, for the key; a colour each
#   metrics='p50_us mb_per_s'       each panel's metric; the unit it is drawn in
#   units='µs GB/s' scales='1 1e-3' (- for a plain number) and the factor from
#                                   the stored unit (µs, MB/s) to it
#   by='time' or 'commit'           with time: t_lo=... t_hi=... (the first and last
#                                   run); with commit: commit_tics='("abc" 1, ...)'

dir_of(s) = strstrt(s, '/') == 0 ? '' : s[1:strstrt(s, '/')] . dir_of(s[strstrt(s, '/') + 1:])
n_panels = words(panels)
cols = n_panels > 1 ? 2 : 1
rows = (n_panels + cols - 1) / cols
height = 120 + 280 * rows
load dir_of(ARG0).'common.gp'

set key inside top left box opaque noenhanced
unset mxtics
if (by eq 'commit') {
    set xlabel 'commit (oldest left)'
    set xtics @commit_tics rotate by -30
} else {
    set xlabel 'run time (UTC)'
    set xdata time
    set timefmt '%s'
    # About five ticks over the runs' span (t_lo to t_hi, Unix seconds), in
    # a format that fits it.
    span = t_hi > t_lo ? t_hi - t_lo : 60
    set xtics span / 5.0 rotate by -30
    set format x (span < 86400 ? "%H:%M:%S" : span < 31 * 86400 ? "%m-%d %H:%M" : "%Y-%m-%d")
    set xrange [t_lo - span / 20.0 : t_hi + span / 20.0]
}
set multiplot layout rows, cols title 'ipcbench history: the median of each run, '.\
    'bars from the fastest to the slowest repetition'
do for [p=1:n_panels] {
    set title word(panels, p) noenhanced
    unit = word(units, p)
    k = word(scales, p) + 0
    set ylabel word(metrics, p) noenhanced
    set format y (unit eq '-' ? '%g' : '%g '.unit)
    first = word(panel_first, p) + 0
    last = word(panel_last, p) + 0
    plot for [i=first:last] data index i \
         using 1:($2 * k):($3 * k):($4 * k) \
         with yerrorlines lc rgb color_of(word(block_host, i + 1) + 0) \
         dt dash_of(word(block_host, i + 1) + 0) pt point_of(word(block_host, i + 1) + 0) \
         lw 2 ps 0.8 title word(hosts, word(block_host, i + 1) + 0)
}
unset multiplot
