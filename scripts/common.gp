# common.gp: what the ipcbench plot scripts share, loaded by each from its own
# directory (not run by itself): the terminal for fmt (svg or png, 900 px
# wide and height px high, 560 unless set) writing to out, grid and key, the
# series styles, tooltip text, and axis ticks in human units.
#
# Styles: the words colors='#0072B2 #0072B2 ...' (lc rgb), dashes='1 2 ...'
# (dt) and points='7 5 ...' (pt), word i for series i; ipcbench passes one
# colour per transport family and a dash and point per transport in it. By
# hand they may be left out (or be short): series i then cycles through 7
# colours and 7 point types, and the dash changes every 7 series.
# Tooltips: in SVG every point also gets a hypertext label (an invisible
# marker); ipcbench turns those into <title> elements. PNG draws none.

if (!exists("fmt")) fmt = 'svg'
if (!exists("height")) height = 560
if (fmt eq 'svg') {
    set terminal svg size 900,height dynamic enhanced font 'sans,11' background rgb 'white'
} else {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size 900,height enhanced font 'sans,11' background rgb 'white'
    } else {
        set terminal png size 900,height font 'sans,11' background rgb 'white'
    }
}
set output out
set grid xtics ytics mxtics mytics lt 1 lw 1 lc rgb '#bbbbbb', lt 1 lw 1 lc rgb '#e5e5e5'
set key outside right top

# ---- series styles ----------------------------------------------------------
if (!exists("colors")) colors = ''
if (!exists("dashes")) dashes = ''
if (!exists("points")) points = ''
default_colors = '#0072B2 #D55E00 #009E73 #CC79A7 #E69F00 #56B4E9 #000000'
default_points = '7 5 9 11 13 15 6'
color_of(i) = i <= words(colors) ? word(colors, i) : word(default_colors, (i - 1) % 7 + 1)
dash_of(i) = i <= words(dashes) ? word(dashes, i) + 0 : ((i - 1) / 7) % 5 + 1
point_of(i) = i <= words(points) ? word(points, i) + 0 : word(default_points, (i - 1) % 7 + 1) + 0

# How many of n series get tooltips: all in SVG, none in PNG.
tips(n) = fmt eq 'svg' ? n : 0
# The tooltips' marker: a filled circle, fully transparent, a little larger
# than the visible points so it is easy to hover.
tip_color = '#FF000000'

# ---- numbers as text --------------------------------------------------------
# A value as results.csv writes it: whole numbers in full, else 6 digits.
num(v) = (v == floor(v) && abs(v) < 1e15) ? sprintf('%.0f', v) : sprintf('%.6g', v)
us_text(v) = v >= 1e6 ? sprintf('%g s', v / 1e6) : v >= 1e3 ? sprintf('%g ms', v / 1e3) \
           : v >= 1 ? sprintf('%g µs', v) : sprintf('%g ns', v * 1e3)
mbs_text(v) = v >= 1e6 ? sprintf('%g TB/s', v / 1e6) : v >= 1e3 ? sprintf('%g GB/s', v / 1e3) \
            : v >= 1 ? sprintf('%g MB/s', v) : sprintf('%g kB/s', v * 1e3)
bytes_text(v) = v >= 2**40 ? sprintf('%g TiB', v / 2.0**40) \
              : v >= 2**30 ? sprintf('%g GiB', v / 2.0**30) \
              : v >= 2**20 ? sprintf('%g MiB', v / 2.0**20) \
              : v >= 2**10 ? sprintf('%g KiB', v / 2.0**10) : sprintf('%g B', v)
# unit: 'us' (values in µs), 'MB/s' (in 10^6 bytes/s) or 'B' (in bytes).
human(v, unit) = unit eq 'us' ? us_text(v) : unit eq 'MB/s' ? mbs_text(v) : bytes_text(v)

# ---- axis ticks -------------------------------------------------------------
# eval log_axis('y', lo, hi, unit) sets a log axis's range and ticks for data
# from lo to hi (> 0). Labelled ticks: for µs and MB/s at 1, 2 and 5 times a
# power of ten if the data spans less than two decades, else at the powers of
# ten; for bytes at powers of two (every 2nd, 4th or 8th on wide ranges). The
# range reaches from the labelled tick at or below lo to the one at or above
# hi (a little past the data if that is nearer), so every range shows at
# least two labelled ticks; minor ticks fill in between.
min_(a, b) = a < b ? a : b
max_(a, b) = a > b ? a : b
pad = 1.1
# Exponents at or below and at or above a value; 1e-9 keeps exact powers exact.
exp_lo(v, base) = floor(log(v) / log(base) + 1e-9)
exp_hi(v, base) = ceil(log(v) / log(base) - 1e-9)
# (The range reaches a hair past the end ticks, or gnuplot may drop them.)
axis_cmd(ax, lo, hi, t_lo, t_hi, tics) = sprintf('set %srange [%.17g:%.17g]; set %stics (%s)', \
    ax, min_(t_lo, lo / pad) * (1 - 1e-6), max_(t_hi, hi * pad) * (1 + 1e-6), ax, tics[3:])

# Decimal axes (µs, MB/s); fine: 1-2-5 labels, else powers of ten only.
mantissa(v) = v / 10.0**exp_lo(v, 10)
floor_125(m) = m >= 5 - 1e-9 ? 5 : m >= 2 - 1e-9 ? 2 : 1
ceil_125(m) = m <= 1 + 1e-9 ? 1 : m <= 2 + 1e-9 ? 2 : m <= 5 + 1e-9 ? 5 : 10
nice_lo(v, fine) = fine ? floor_125(mantissa(v)) * 10.0**exp_lo(v, 10) : 10.0**exp_lo(v, 10)
nice_hi(v, fine) = fine ? ceil_125(mantissa(v)) * 10.0**exp_lo(v, 10) : 10.0**exp_hi(v, 10)
nice_next(v, fine) = !fine ? 10 * v : mantissa(v) < 1.5 ? 2 * v : mantissa(v) < 3 ? 2.5 * v : 2 * v
labelled(m, fine) = m == 1 || (fine && (m == 2 || m == 5))
# ', "LABEL" v' or ', "" v 1' (a minor tick), or '' outside [t_lo, t_hi].
tic(v, lab, t_lo, t_hi, unit) = (v < t_lo * (1 - 1e-9) || v > t_hi * (1 + 1e-9)) ? '' \
    : lab ? sprintf(', "%s" %.17g', human(v, unit), v) : sprintf(', "" %.17g 1', v)
decade_tics(p, fine, t_lo, t_hi, unit) = tic(p, 1, t_lo, t_hi, unit) \
    . tic(2 * p, labelled(2, fine), t_lo, t_hi, unit) . tic(3 * p, 0, t_lo, t_hi, unit) \
    . tic(4 * p, 0, t_lo, t_hi, unit) . tic(5 * p, labelled(5, fine), t_lo, t_hi, unit) \
    . tic(6 * p, 0, t_lo, t_hi, unit) . tic(7 * p, 0, t_lo, t_hi, unit) \
    . tic(8 * p, 0, t_lo, t_hi, unit) . tic(9 * p, 0, t_lo, t_hi, unit)
decades_tics(e, fine, t_lo, t_hi, unit) = decade_tics(10.0**e, fine, t_lo, t_hi, unit) \
    . (10.0**(e + 1) <= t_hi * (1 + 1e-9) ? decades_tics(e + 1, fine, t_lo, t_hi, unit) : '')
decimal_axis_ticks(ax, lo, hi, unit, fine, t_lo, t_hi) = \
    axis_cmd(ax, lo, hi, t_lo, t_hi, decades_tics(exp_lo(t_lo, 10), fine, t_lo, t_hi, unit))
decimal_axis_fine(ax, lo, hi, unit, fine) = decimal_axis_ticks(ax, lo, hi, unit, fine, \
    nice_lo(lo, fine), max_(nice_hi(hi, fine), nice_next(nice_lo(lo, fine), fine)))
decimal_axis(ax, lo, hi, unit) = decimal_axis_fine(ax, lo, hi, unit, hi / lo < 100)

# Bytes: powers of two e, e + step, ... up to top; the skipped ones are minor.
pow2_minor(e, step) = step <= 1 ? '' : sprintf(', "" %.17g 1', 2.0**(e + 1)) . pow2_minor(e + 1, step - 1)
pow2_tics(e, top, step) = sprintf(', "%s" %.17g', bytes_text(2.0**e), 2.0**e) \
    . (e < top ? pow2_minor(e, step) . pow2_tics(e + step, top, step) : '')
pow2_step(span) = span <= 8 ? 1 : span <= 16 ? 2 : span <= 32 ? 4 : 8
pow2_top(e_lo, e_hi, step) = e_lo + max_(1, ceil(1.0 * (e_hi - e_lo) / step)) * step
pow2_axis_range(ax, lo, hi, step, e_lo, e_hi) = \
    axis_cmd(ax, lo, hi, 2.0**e_lo, 2.0**e_hi, pow2_tics(e_lo, e_hi, step))
pow2_axis(ax, lo, hi, step) = \
    pow2_axis_range(ax, lo, hi, step, exp_lo(lo, 2), pow2_top(exp_lo(lo, 2), exp_hi(hi, 2), step))

log_axis(ax, lo, hi, unit) = unit eq 'B' \
    ? pow2_axis(ax, lo, hi, pow2_step(exp_hi(hi, 2) - exp_lo(lo, 2))) \
    : decimal_axis(ax, lo, hi, unit)

# ---- reading results.csv ----------------------------------------------------
positive(v) = v > 0 ? v : NaN
# After `undefine STATS_*; stats FILE using 0 nooutput`: has the file a column
# called name? A file without data rows has none (stats sets nothing then).
has_column(name) = !exists("STATS_columns") ? 0 \
    : sum [k=1:STATS_columns] (STATS_column_header[k] eq name ? 1 : 0) > 0
is_number(v) = v == v
