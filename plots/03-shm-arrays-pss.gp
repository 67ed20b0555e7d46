# Lab 03: a shared segment (256 data pages and a header page) read by K exec'd workers.
# Each process's Pss is the segment / (K+1), truncated; a private copy per process (what a
# forked worker ends up with once it writes every page, or a worker that builds its own
# array) would cost the whole segment in each. The sum of every process's Pss stays the
# segment: the data is in memory once.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
seg_kb = system(sprintf("awk -F, '$1==\"readers\" && $2==\"creator\" && $4==\"Size\" {print $6; exit}' '%s'", csv)) + 0
set title sprintf("Lab 03 - Pss per process of a %d kB shm segment read by K exec'd workers\n{/*0.8 %s}", seg_kb, machine)
set xlabel "K (exec'd readers)"
set ylabel "kB"
set xrange [0.5:6.5]
set yrange [0:seg_kb * 1.7]
set xtics 1
set key at graph 0.98, graph 0.98 right top
plot seg_kb with lines ls 4 dt 2 title "a private copy in each process (Rss = Pss = size)", \
     sel("readers", "all", "Pss_sum") using 1:2 with lines ls 3 title "sum of Pss over K+1 processes (model)", \
     sel("readers", "all", "Pss_sum") using 1:3 with points ls 3 pt 5 ps 1.3 title "sum of Pss (measured)", \
     selp("readers", "creator", "after_read", "Pss") using 1:2 with lines ls 1 title "Pss = size / (K+1), truncated (model)", \
     selp("readers", "creator", "after_read", "Pss") using 1:3 with points ls 1 pt 7 ps 1.3 title "Pss, creator (measured)", \
     selp("readers", "worker1", "after_read", "Pss") using 1:3 with points ls 2 pt 4 ps 1.8 title "Pss, worker1 (measured)"
