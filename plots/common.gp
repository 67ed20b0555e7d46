# common.gp — shared by every plot script. Call as:
#   gnuplot -d -c plots/NN-slug-NAME.gp RESULTS.csv OUT.(png|svg) (png|svg) [WHOSE]
# The results CSV columns: 1 experiment, 2 process, 3 phase, 4 metric, 5 x, 6 expected,
# 7 measured, 8 unit, 9 thp, 10 kernel, 11 machine (the probe's facts behind the expected
# values: page size, zero page, THP, fault-around). sel() keeps the rows of one series.
csv = ARG1
out = ARG2
term = ARG3
if (term eq "svg") {
    set terminal svg size 860,520 dynamic enhanced font "sans,12" background "white"
} else {
    set terminal pngcairo size 860,520 enhanced font "sans,11" background "white"
}
set output out
set datafile separator whitespace
sel(e, p, m) = sprintf("< awk -F, '$1==\"%s\" && $2==\"%s\" && $4==\"%s\" {print $5, $6, $7}' '%s' | sort -n", e, p, m, csv)
# selp(): the same, of one phase only (an experiment that measures each process more than once).
selp(e, p, ph, m) = sprintf("< awk -F, '$1==\"%s\" && $2==\"%s\" && $3==\"%s\" && $4==\"%s\" {print $5, $6, $7}' '%s' | sort -n", e, p, ph, m, csv)
machine = system(sprintf("awk -F, 'NR==2 {printf \"kernel %%s; %%s\", $10, $11}' '%s'", csv))
# Whose code was measured (cowlab plot passes it: the reference solutions, or the code in a
# folder): in the figure's bottom left corner, in every figure.
if (ARGC >= 4 && strlen(ARG4) > 0) set label 99 ARG4 at screen 0.01, screen 0.02 left font ",9" noenhanced
# The page size the results were measured with (the probe's "page N B"), in kB: every size in
# a title or a scale is derived from it, never assumed.
page_kb = system(sprintf("awk -F, 'NR==2 {split($11, a, \" \"); printf \"%%d\", a[2] / 1024}' '%s'", csv)) + 0
if (page_kb < 1) page_kb = 4
set key top left box opaque
set grid lc rgb "#dddddd"
set style line 1 lc rgb "#4e79a7" lw 2
set style line 2 lc rgb "#e15759" lw 2
set style line 3 lc rgb "#59a14f" lw 2
set style line 4 lc rgb "#9c755f" lw 2
