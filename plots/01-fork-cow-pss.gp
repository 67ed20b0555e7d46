# Lab 01: a fully written buffer (4096 pages: 16 MiB with 4 KiB pages), then K children that
# only wait.
# Rss says every process holds all of it; Pss divides each page by its K+1 mappers.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
buf_kb = system(sprintf("awk -F, '$1==\"shared\" && $2==\"parent\" && $4==\"Size\" {print $6; exit}' '%s'", csv)) + 0
set title sprintf("Lab 01 - Rss and Pss of a %d MiB buffer shared by a parent and K children\n{/*0.8 %s}", buf_kb / 1024, machine)
set xlabel "K (children)"
set ylabel "kB per process"
set xrange [0.5:7.5]
set yrange [0:buf_kb * 1.1]
set xtics 1
set key at graph 0.98, graph 0.80 right top
plot sel("shared", "parent", "Rss") using 1:2 with lines ls 4 title "Rss, any process (model)", \
     sel("shared", "parent", "Rss") using 1:3 with points ls 4 pt 6 ps 1.6 title "Rss, parent (measured)", \
     sel("shared", "parent", "Pss") using 1:2 with lines ls 1 title sprintf("Pss = %d kB / (K+1), truncated (model)", buf_kb), \
     sel("shared", "parent", "Pss") using 1:3 with points ls 1 pt 7 ps 1.3 title "Pss, parent (measured)", \
     sel("shared", "child1", "Pss") using 1:3 with points ls 2 pt 4 ps 1.8 title "Pss, child1 (measured)"
