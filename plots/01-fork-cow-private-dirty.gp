# Lab 01: one child writes every Nth page of a shared buffer (4096 pages).
# Lines: the model; points: what smaps measured. Both processes end with the same
# Private_Dirty: the writer owns its copies, the parent's originals are now mapped once.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
buf_kb = system(sprintf("awk -F, '$1==\"child_writes\" && $2==\"parent\" && $4==\"Size\" {print $6; exit}' '%s'", csv)) + 0
set title sprintf("Lab 01 - a child writes pages of a %d MiB buffer shared with its parent\n{/*0.8 %s}", buf_kb / 1024, machine)
set xlabel "pages written by the child"
set ylabel "kB in the buffer's VMA"
set logscale x 2
set xrange [0.7:6000]
set yrange [0:*]
plot sel("child_writes", "child1", "Private_Dirty") using 1:2 with lines ls 2 title "child Private\\_Dirty (model)", \
     sel("child_writes", "child1", "Private_Dirty") using 1:3 with points ls 2 pt 7 ps 1.2 title "child Private\\_Dirty (measured)", \
     sel("child_writes", "parent", "Private_Dirty") using 1:3 with points ls 4 pt 6 ps 2 title "parent Private\\_Dirty (measured)", \
     sel("child_writes", "child1", "Pss") using 1:2 with lines ls 1 title "child Pss (model)", \
     sel("child_writes", "child1", "Pss") using 1:3 with points ls 1 pt 5 ps 1.0 title "child Pss (measured)", \
     sel("child_writes", "child1", "minflt") using 1:($3*page_kb) with points ls 3 pt 2 ps 1.4 title sprintf("child minor faults x %d kB (measured)", page_kb)
