# Lab 05: the heap of three lists of 2,048 arrays of 256 bytes, page by page, while 2 workers
# that read every array are alive. fork: the pages holding array headers (their reference
# counts) are private in every process — each worker copied them, and so the parent's
# originals are its own — while the pools of data buffers stay shared. Immortal objects
# (3.12+): nothing is written, every page stays shared. Top: the model; bottom: pagemap.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
rows(col) = sprintf("< awk -F, '($1==\"fork.small\" || $1==\"immortal.small\") && $3==\"alive.heap.pages\" && $4==\"page_state\" {y = ($1==\"fork.small\") ? 0 : 2; y += ($2==\"worker1\"); print $5, y, $%d}' '%s'", col, csv)
set palette defined (0 "#f0f0f0", 1 "#4e79a7", 2 "#e15759", 3 "#f2cf5b")
set palette maxcolors 4
set cbrange [-0.5:3.5]
set cbtics ("absent" 0, "shared" 1, "private" 2, "zero page" 3)
set cbtics scale 0
set rmargin 14
unset key
set yrange [3.5:-0.5]
set xrange [-0.5:*]
set ytics ("fork: parent" 0, "fork: worker1" 1, "immortal: parent" 2, "immortal: worker1" 3)
set multiplot layout 2,1 title sprintf("Lab 05 - the lists' heap (2,048 arrays of 256 B a list) with 2 workers alive\n{/*0.8 %s}", machine)
set title "model (red: the pages holding array headers, i.e. reference counts)"
plot rows(6) using 1:2:3 with image
set title "measured (/proc/PID/pagemap)"
set xlabel "heap page"
plot rows(7) using 1:2:3 with image
unset multiplot
