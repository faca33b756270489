# overlay.gp: one counter of one mode against frame size in bytes, log-log,
# for several runs at once (this run against a baseline, or N runs): a line
# per transport and run, from ipcbench results.csv files. Renders one file;
# call it as
#   gnuplot -e "files='a.csv b.csv a.csv b.csv'; transports='shm shm tcp tcp'; labels='new old new old'; mode='latency'; col='p50_us'; out='plots/runs-latency.svg'; fmt='svg'" scripts/overlay.gp
# Word i of files, transports and labels name line i, titled "TRANSPORT
# (LABEL)"; a label with spaces is quoted ("this run"). col is p50_us (any
# *_us column) or mb_per_s; title and ylabel are optional. fmt is svg or png.
# colors, dashes and points (one word per line, see common.gp) are optional;
# ipcbench gives a transport its family's colour and its point type, and
# each run its dash. In SVG every point carries a tooltip with its exact
# value. Rows with an empty or non-positive cell are skipped; files without
# the columns are left out; without any data the plot says "no results".

dir_of(s) = strstrt(s, '/') == 0 ? '' : s[1:strstrt(s, '/')] . dir_of(s[strstrt(s, '/') + 1:])
load dir_of(ARG0).'common.gp'

if (!exists("labels")) labels = files
unit = col eq 'mb_per_s' ? 'MB/s' : 'us'
what = unit eq 'us' ? col[1:strlen(col) - 3] : ''
if (!exists("title")) title = col.' ('.mode.' mode) by frame size'
if (!exists("ylabel")) ylabel = unit eq 'us' ? 'one-way latency '.what : 'throughput'
set datafile separator ','
set datafile columnheaders
pick(t) = (strcol('mode') eq mode && (t eq '' || strcol('transport') eq t)) \
          ? positive(column(col)) : NaN

# The data's extent over every file that has the columns (stats skips values
# outside set ranges, so this comes before the axes are set).
ok = 0
seen = ' '
n = words(files)
do for [i=1:n] {
    f = word(files, i)
    if (strstrt(seen, ' '.f.' ') == 0) {
        seen = seen.f.' '
        undefine STATS_*
        stats f using 0 nooutput
        usable = 1
        do for [name in 'transport mode bytes size '.col] {
            usable = usable && has_column(name)
        }
        if (usable) {
            undefine STATS_records
            stats f using (column('bytes') > 0 ? pick('') : NaN) nooutput
        }
        if (usable && exists("STATS_records")) {
            y_lo = ok ? min_(y_lo, STATS_min) : STATS_min
            y_hi = ok ? max_(y_hi, STATS_max) : STATS_max
            stats f using (is_number(pick('')) ? positive(column('bytes')) : NaN) nooutput
            x_lo = ok ? min_(x_lo, STATS_min) : STATS_min
            x_hi = ok ? max_(x_hi, STATS_max) : STATS_max
            ok = 1
        }
    }
}

set title title noenhanced
set xlabel 'frame payload'
set ylabel ylabel noenhanced
if (!ok) {
    set label 1 'no '.mode.' results' at graph 0.5, 0.5 center noenhanced
    set xrange [0:1]
    set yrange [0:1]
    plot NaN notitle
    exit
}

set logscale xy
eval log_axis('x', x_lo, x_hi, 'B')
eval log_axis('y', y_lo, y_hi, unit)
line_title(i) = word(transports, i).' ('.word(labels, i).')'
tip(i) = sprintf('%s %s (%s): %s %s', word(transports, i), strcol('size'), word(labels, i), \
                 num(column(col)), unit eq 'us' ? 'µs '.what : 'MB/s')
plot for [i=1:n] word(files, i) \
         using (positive(column('bytes'))):(pick(word(transports, i))) \
         with linespoints lc rgb color_of(i) dt dash_of(i) lw 2 pt point_of(i) ps 0.8 \
         title line_title(i) noenhanced, \
     for [i=1:tips(n)] word(files, i) \
         using (positive(column('bytes'))):(pick(word(transports, i))):(tip(i)) \
         with labels hypertext point pt 7 ps 1.6 lc rgb tip_color notitle
