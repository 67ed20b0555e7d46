# Lab 03: the page map of a shm segment (page 0 the header, 1.. the data) after the creator
# filled it and each exec'd worker read ONE data page: every worker maps a whole
# fault-around window of pages already in the page cache (the probe's fault_around), aligned
# in its own address space. Pages a worker maps are shared with the creator; the creator's
# other pages are private (mapped once). Top: the model; bottom: pagemap.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
rows(col) = sprintf("< awk -F, '$1==\"fault_around\" && $4==\"page_state\" {p = ($2==\"creator\") ? 0 : substr($2,7)+0; print $5, p, $%d}' '%s'", col, csv)
nprocs = system(sprintf("awk -F, '$1==\"fault_around\" && $4==\"page_state\" {print $2}' '%s' | sort -u | wc -l", csv)) + 0
npages = system(sprintf("awk -F, '$1==\"fault_around\" && $4==\"page_state\" && $5 > m {m = $5} END {print m + 1}' '%s'", csv)) + 0
set palette defined (0 "#f0f0f0", 1 "#4e79a7", 2 "#e15759")
set cbrange [-0.5:2.5]
set palette maxcolors 3
set rmargin 14
set cbtics ("absent" 0, "shared" 1, "private" 2)
set cbtics scale 0
unset key
set xrange [-0.5:npages - 0.5]
set yrange [nprocs - 0.5:-0.5]
set ytics ("creator" 0)
do for [w = 1:nprocs - 1] { set ytics add (sprintf("worker%d", w) w) }
set multiplot layout 2,1 title "Lab 03 - one read per worker maps its fault-around window\n{/*0.8 ".machine."}"
set title "model (the fault-around windows, harness/model.c)" noenhanced
plot rows(6) using 1:2:3 with image
set title "measured (/proc/PID/pagemap)"
set xlabel "page of the segment (0: header)"
plot rows(7) using 1:2:3 with image
unset multiplot
