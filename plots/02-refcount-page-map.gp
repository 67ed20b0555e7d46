# Lab 02: the heap's pages after a child ran sum() over 4000 ints: boxed (3.11) vs immortal
# (3.12). Parent and child rows per case. Top: the model; bottom: pagemap.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
rows(col) = sprintf("< awk -F, '($1==\"map_boxed\" || $1==\"map_immortal\") && $4==\"page_state\" {y = ($1==\"map_boxed\") ? 0 : 2; y += ($2==\"child1\"); print $5, y, $%d}' '%s'", col, csv)
set palette defined (0 "#f0f0f0", 1 "#4e79a7", 2 "#e15759", 3 "#f2cf5b")
set palette maxcolors 4
set cbrange [-0.5:3.5]
set cbtics ("absent" 0, "shared" 1, "private" 2, "zero page" 3)
set cbtics scale 0
set rmargin 14
unset key
set yrange [3.5:-0.5]
set xrange [-0.5:*]
pool_pages = page_kb >= 16 ? 1 : 16 / page_kb   # pymalloc pools are 16 KiB
set xtics pool_pages
set grid xtics front lc rgb "#ffffff" lw 1
set ytics ("3.11 parent" 0, "3.11 child" 1, "3.12 immortal: parent" 2, "3.12 immortal: child" 3)
set multiplot layout 2,1 title sprintf("Lab 02 - heap pages after the child's sum() over 4000 ints (pools of %d page%s)\n{/*0.8 %s}", pool_pages, pool_pages > 1 ? "s" : "", machine)
set title sprintf("model (tics: pool boundaries; page %d: the list, %d: the iterator)", 8 * 16 / page_kb, 9 * 16 / page_kb)
plot rows(6) using 1:2:3 with image
set title "measured (/proc/PID/pagemap)"
set xlabel "heap page"
plot rows(7) using 1:2:3 with image
unset multiplot
