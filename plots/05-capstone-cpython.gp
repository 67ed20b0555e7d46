# Lab 05: real CPython beside the model — the lists' cost in copies of their data (total Pss of
# every process minus the same run with empty lists, divided by the data) against K, for 64
# arrays of 1 MiB per list: fork stays at one copy, forkserver (pickling) climbs by one copy per
# worker, shared memory stays at one. Lines: the model (`lab predict`); points: CPython 3.11,
# from build/results/05-capstone-calibration.csv (make calibrate LAB=05). Without that file the
# figure shows the C simulation's own runs (2,048 arrays of 256 B) and says so.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
cal = system("dirname '".csv."'")."/05-capstone-calibration.csv"
have_cal = system("head -1 '".cal."' 2>/dev/null | grep -q baseline_kb && echo 1 || echo 0") + 0
set xlabel "K (workers)"
set ylabel "copies of the data (above the interpreters)"
set xrange [0:13]
set yrange [0:*]
set xtics (1, 2, 4, 8, 12)
set key at graph 0.02, graph 0.98 left top
if (have_cal) {
    # columns: 1 strategy, 2 shape, 6 K, 7 data_kb, 8 predicted, 9 measured, 12 baseline_kb
    cpy(s) = sprintf("< awk -F, 'NR > 1 && $1==\"%s\" && ($2==\"big\" || $2==\"big_sweep\") {print $6, ($8 - $12) / $7, ($9 - $12) / $7}' '%s' | sort -n", s, cal)
    set title sprintf("Lab 05 - real CPython: three lists of 1 MiB arrays shared with K workers\n{/*0.8 %s}", machine)
    plot cpy("pickle") using 1:2 with lines ls 2 title "forkserver (pickle): model", \
         cpy("pickle") using 1:3 with points ls 2 pt 7 ps 1.4 title "forkserver: CPython measured", \
         cpy("fork") using 1:2 with lines ls 1 title "fork: model", \
         cpy("fork") using 1:3 with points ls 1 pt 5 ps 1.4 title "fork: CPython measured", \
         cpy("shared") using 1:2 with lines ls 3 dt 2 title "shared\\_memory + NumPy: model", \
         cpy("shared") using 1:3 with points ls 3 pt 13 ps 1.4 title "shared: CPython measured"
} else {
    data_kb = system(sprintf("awk -F, '$1==\"shared.small\" && $2==\"parent\" && $4==\"Size\" {print $6; exit}' '%s'", csv)) + 0
    sim(s) = selp(s.".small", "all", "workers_alive", "total_pss_kb")
    set title sprintf("Lab 05 - the C simulation (no CPython run yet: make calibrate LAB=05)\n{/*0.8 %s}", machine)
    set ylabel "copies of the data (the lists' regions, every process)"
    plot sim("pickle") using 1:($2 / data_kb) with lines ls 2 title "pickle: model", \
         sim("pickle") using 1:($3 / data_kb) with points ls 2 pt 7 ps 1.4 title "pickle: measured", \
         sim("fork") using 1:($2 / data_kb) with lines ls 1 title "fork: model", \
         sim("fork") using 1:($3 / data_kb) with points ls 1 pt 5 ps 1.4 title "fork: measured", \
         sim("shared") using 1:($2 / data_kb) with lines ls 3 dt 2 title "shared: model", \
         sim("shared") using 1:($3 / data_kb) with points ls 3 pt 13 ps 1.4 title "shared: measured"
}
