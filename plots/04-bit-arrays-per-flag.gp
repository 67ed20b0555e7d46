# Lab 04: bytes per flag for the same N flags in five representations (the parent's Rss of the
# representation's memory, divided by N), the model's bar and the measured point; above each,
# what three readers forked afterwards copied between them (sum of their Private_Dirty).
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
n = system(sprintf("awk -F, '$4==\"n_flags\" {print $7; exit}' '%s'", csv)) + 0
rows = sprintf("< awk -F, -v n=%d 'BEGIN {split(\"bits bytes int32 list311 list312\", r, \" \")} \
  {e = $1; sub(/\\.items$/, \"\", e); sub(/\\.singletons$/, \"\", e)} \
  $5 == 3 && $2 == \"parent\" && $4 == \"Rss\" && $1 !~ /singletons/ {want[e] = $6; got[e] = $7} \
  $5 == 3 && $2 ~ /^reader/ && $4 == \"Private_Dirty\" {copied[e] += $7} \
  END {for (i = 1; i <= 5; i++) printf \"%%d %%s %%.4f %%.4f %%d\\n\", i, r[i], want[r[i]] * 1024 / n, got[r[i]] * 1024 / n, copied[r[i]]}' '%s'", n, csv)
set title sprintf("Lab 04 - bytes per flag, %d flags, and what 3 forked readers copy\n{/*0.8 %s}", n, machine)
set ylabel "bytes per flag (Rss / N)"
set xrange [0.4:5.6]
set yrange [0:10]
set style fill solid 0.35 border
set boxwidth 0.6
set key top left
plot rows using 1:3:xtic(2) with boxes ls 1 title "model", \
     rows using 1:4 with points ls 2 pt 7 ps 1.5 title "measured", \
     rows using 1:($3 + 0.5):(sprintf("%.3f B/flag\ncopied: %d kB", $4, $5)) with labels font ",10" notitle
