# Lab 05: the question's picture, measured — total Pss of the three lists over the parent and
# its K workers, for each strategy (4 arrays of 256 kB per list: a few headers, big buffers of whole pages).
# Sharing strategies stay flat (the data once); pickling climbs by one full copy per worker;
# fork climbs by the pages the workers' reference counts copy — the headers' pages, which for
# many small arrays are a large part of the heap. Lines: the model; points: measured.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
data_kb = system(sprintf("awk -F, '$1==\"shared.big\" && $2==\"parent\" && $4==\"Size\" {print $6; exit}' '%s'", csv)) + 0
set title sprintf("Lab 05 - total Pss of three lists shared with K workers (big: data %d kB)\n{/*0.8 %s}", data_kb, machine)
set xlabel "K (workers)"
set ylabel "kB, summed over the parent and every worker"
set xrange [0:13]
set yrange [0:*]
set xtics (1, 2, 4, 8, 12)
set key at graph 0.02, graph 0.98 left top
set style line 5 lc rgb "#f28e2b" lw 2
tot(s) = selp(s.".big", "all", "workers_alive", "total_pss_kb")
plot tot("pickle") using 1:2 with lines ls 2 title "pickle (spawn, forkserver): model", \
     tot("pickle") using 1:3 with points ls 2 pt 7 ps 1.3 title "pickle: measured", \
     tot("fork") using 1:2 with lines ls 1 title "fork, lists inherited: model", \
     tot("fork") using 1:3 with points ls 1 pt 5 ps 1.3 title "fork: measured", \
     tot("fork_freeze") using 1:3 with points ls 5 pt 4 ps 1.8 title "fork + gc.freeze(): measured", \
     tot("immortal") using 1:2 with lines ls 4 title "fork, immortal objects (3.12+): model", \
     tot("immortal") using 1:3 with points ls 4 pt 9 ps 1.3 title "immortal: measured", \
     tot("shared") using 1:2 with lines ls 3 dt 2 title "shared memory + unboxed arrays: model", \
     tot("shared") using 1:3 with points ls 3 pt 13 ps 1.3 title "shared: measured"
