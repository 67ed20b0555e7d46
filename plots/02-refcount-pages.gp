# Lab 02: pages a child dirties by running sum() over a list of N ints its parent built,
# one line per strategy (the model), measured points on each, and real CPython's measured
# points (make calibrate) on the same axes.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
cal = ARG1[1:strlen(ARG1)-4]."-calibration.csv"
have_cal = system(sprintf("test -s '%s' && echo 1 || echo 0", cal)) + 0
cpy = sprintf("< awk -F, '$1==\"distinct_ints_iterated\" {print $9, $4 / %d, $2}' '%s' | sort -n", page_kb, cal)
set title "Lab 02 - pages a forked child dirties by reading (sum) a list of N ints\n{/*0.8 ".machine."}"
set xlabel "N (ints in the list)"
set ylabel sprintf("pages the child copied (%d KiB)", page_kb)
set logscale xy 10
set xrange [7000:1400000]
set yrange [0.5:1000000]
set format x "10^{%L}"
set format y "10^{%L}"
set key top left
S(e) = sel(e, "child1", "pages_dirtied")
plot S("boxed") using 1:2 with lines ls 2 title "boxed ints, 3.11 (model)", \
     S("boxed") using 1:3 with points ls 2 pt 7 ps 1.2 title "  measured", \
     S("boxed_freeze") using 1:3 with points ls 4 pt 6 ps 2 title "boxed + gc.freeze() (measured)", \
     S("outline") using 1:2 with lines ls 3 title "out-of-line refcounts (model)", \
     S("outline") using 1:3 with points ls 3 pt 5 ps 1.1 title "  measured", \
     S("immortal_312") using 1:2 with lines ls 1 title "immortal ints, 3.12/3.14 (model)", \
     S("immortal_312") using 1:3 with points ls 1 pt 9 ps 1.3 title "  measured", \
     S("unboxed") using 1:2 with lines ls 4 dt 2 title "unboxed int64 array (model)", \
     S("unboxed") using 1:3 with points ls 4 pt 13 ps 1.3 title "  measured", \
     (have_cal ? cpy : sel("none", "none", "none")) using 1:2 with points lc rgb "black" pt 3 ps 2.2 \
        title (have_cal ? "real CPython ".system(sprintf("awk -F, 'NR==2 {printf $2}' '%s'", cal))." (calibration)" : "CPython: not measured")
