# Lab 04: the parallel sieve of 0 .. 3 x 10^7 with K forked workers on one shared bit array: the
# speed-up t(1) / t(K) (rows with no expected value: sel gives x, measured) of forking the workers and marking (reported, not modelled: the time
# depends on the machine; make bench times 10^9), beside the ideal K.
call system("dirname '".ARG0."'")."/common.gp" ARG1 ARG2 ARG3 ARG4
t1 = system(sprintf("awk -F, '$1==\"sieve_speed\" && $4==\"sieve_us\" && $5==1 {print $7; exit}' '%s'", csv)) + 0
pi = system(sprintf("awk -F, '$1==\"sieve_speed\" && $4==\"pi\" && $5==1 {print $7; exit}' '%s'", csv)) + 0
set title sprintf("Lab 04 - parallel sieve of 3 x 10^7 (pi = %d), speed-up over one worker\n{/*0.8 %s}", pi, machine)
set xlabel "K (forked workers)"
set ylabel "speed-up t(1) / t(K)"
set xrange [0.5:3.5]
set yrange [0:3.5]
set xtics 1
plot x with lines ls 4 dt 2 title "ideal: K", \
     sel("sieve_speed", "parent", "sieve_us") using 1:(t1 / $2) with linespoints ls 1 pt 7 ps 1.4 title "measured (fork + mark)"
