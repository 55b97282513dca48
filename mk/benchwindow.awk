# SPDX-License-Identifier: GPL-2.0
# awk -v n=NAME -f mk/benchwindow.awk DIR/NN-kexec-K-N.log: where a kexec's
# stop-to-jump window goes, from a make bench QUIET=1 run (the lines
# printed after the window, with their own timestamps): medians of
# syscore_shutdown() -> "Starting new kernel", -> the park line (less
# the park), the park, the park line -> the jump.  Not a pass/fail test.
function ts(s,  m) { match(s, /\[ *[0-9]+\.[0-9]+\]/); m=substr(s,RSTART+1,RLENGTH-2); gsub(/ /,"",m); return m+0 }
/machine_shutdown\(\) took/ { t=ts($0); for(i=1;i<=NF;i++) if($i=="took") tot=$(i+1)/1e6; s=""; p=""; pend=1; next }
pend && /in the quiet window:.*Starting new kernel/ { x=$0; sub(/.*in the quiet window: /,"",x); s=ts(x); next }
pend && /in the quiet window:.*kexec: parked/ { x=$0; sub(/.*in the quiet window: /,"",x); p=ts(x); pk=x; sub(/.*; park /,"",pk); sub(/ us.*/,"",pk); next }
pend && !/in the quiet window/ { pend=0; st=t-tot; if (p=="") p=t; if (pk=="") pk=0;
  A[n]=A[n] " " (s-st)*1000; B[n]=B[n] " " (p-s)*1000 - pk/1000; P[n]=P[n] " " pk/1000; C[n]=C[n] " " (t-p)*1000; T[n]=T[n] " " tot*1000; pk="" }
function med(str,  a,c,i,j,x) { c=split(str,a," "); for(i=1;i<=c;i++) for(j=i+1;j<=c;j++) if(a[j]+0<a[i]+0){x=a[i];a[i]=a[j];a[j]=x}; return c%2? a[(c+1)/2] : (a[c/2]+a[c/2+1])/2 }
END { for (k in T) printf "%s total %.2f | syscore+hotplug-enable %.2f | stop %.2f | park %.2f | after %.2f\n", k, med(T[k]), med(A[k]), med(B[k]), med(P[k]), med(C[k]) }
