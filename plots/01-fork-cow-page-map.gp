# Lab 01: the page map. One row per process, one cell per page of a 256-page buffer:
# absent, shared (mapped by several), private (pagemap bit 56: mapped once), or the zero page
# (told apart only when PFNs are visible, i.e. as root). Top: the model; bottom: pagemap.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
rows(col) = sprintf("< awk -F, '$1==\"page_map\" && $4==\"page_state\" {p = ($2==\"parent\") ? 0 : substr($2,6)+0; print $5, p, $%d}' '%s'", col, csv)
set palette defined (0 "#f0f0f0", 1 "#4e79a7", 2 "#e15759", 3 "#f2cf5b")
set cbrange [-0.5:3.5]
set palette maxcolors 4
set rmargin 14
set cbtics ("absent" 0, "shared" 1, "private" 2, "zero page" 3)
set cbtics scale 0
unset key
set xrange [-0.5:255.5]
set yrange [3.5:-0.5]
set ytics ("parent" 0, "child1: writes every 4th page" 1, "child2: writes pages 64-127" 2, "child3: reads all" 3)
set xlabel "page"
set multiplot layout 2,1 title "Lab 01 - page map after fork: parent wrote pages 0-191, then every 16th of them\n{/*0.8 ".machine."}"
set title "model (harness/model.c)"
unset xlabel
plot rows(6) using 1:2:3 with image
set title "measured (/proc/PID/pagemap)"
set xlabel "page"
plot rows(7) using 1:2:3 with image
unset multiplot
