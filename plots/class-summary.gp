# class-summary.gp — a graded class at a glance (cowlab summary OUT; cowlab/summary.h). Call as:
#   gnuplot -d -c plots/class-summary.gp OUT/summary.csv OUT/summary.(png|svg) (png|svg) NTESTS
# summary.csv's first 11 data rows are the score histogram (0-9 % ... 100 % of the maximum),
# the next NTESTS one row per test (section,name,count,total,percent,not_gradable,
# not_submitted,finding,...):
# the rows are taken by position, so no cell is ever parsed by a shell. Top: how many
# submissions scored what. Bottom: each test's pass rate among the submissions it could be
# graded for; red where 90 % or more failed (the machine or the test, not the class?), drawn
# at least 3 % high so that a test nobody passed still shows.
csv = ARG1
out = ARG2
term = ARG3
ntests = ARG4 + 0
if (term eq "svg") {
    set terminal svg size 1100,820 dynamic enhanced font "sans,12" background "white"
} else {
    set terminal pngcairo size 1100,820 enhanced font "sans,11" background "white"
}
set output out
set datafile separator comma
set grid ytics lc rgb "#dddddd"
set style fill solid 0.8 border -1
set boxwidth 0.7 absolute
set multiplot layout 2,1
set title "Scores: submissions by share of the maximum"
set ylabel "submissions"
set yrange [0:*]
set xtics nomirror noenhanced
set key off
stats csv skip 1 every ::0::10 using 3 nooutput
if (STATS_max < 10) { set ytics 1 }
plot csv skip 1 every ::0::10 using 0:3:xtic(2) with boxes lc rgb "#4e79a7" title "submissions"
set title "Tests: pass rate among the submissions each could be graded for (red: failed by 90 % or more)"
set ylabel "passed (%)"
set yrange [0:105]
set ytics autofreq
set xtics rotate by -40 font ",8" nomirror noenhanced
set bmargin 10
if (ntests > 0) {
    last = 10 + ntests
    plot csv skip 1 every ::11::last using 0:(strcol(8) eq "yes" ? NaN : $5):xtic(2) with boxes lc rgb "#59a14f" title "pass rate", \
         csv skip 1 every ::11::last using 0:(strcol(8) eq "yes" ? ($5 < 3 ? 3 : $5) : NaN) with boxes lc rgb "#e15759" title "failed by 90 % or more"
} else {
    set label 1 "no test was graded" at graph 0.5, 0.5 center
    plot NaN notitle
}
unset multiplot
