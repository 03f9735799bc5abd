import json,glob,os,sys
names=sorted(set(os.path.basename(f).rsplit('-f',1)[0] for f in glob.glob('.runs/s3/abl/*-f[123].log')))
for n in names:
  rows=[]
  for f in (1,2,3):
    fn=f'.runs/s3/abl/{n}-f{f}.log'
    if not os.path.exists(fn): continue
    L=[json.loads(l) for l in open(fn) if l.startswith('{')]
    ep=[e for e in L if e.get('type')=='epoch']; res=[e for e in L if e.get('type')=='result']
    if not res: continue
    last=ep[-1]; rows.append((f,last['valAuc'],last['valEer'],last.get('valOneShot',0),len(ep),res[0]['wallTimeSec']))
  if rows:
    m=lambda i: sum(r[i] for r in rows)/len(rows)
    print(f"{n:8s} folds={[r[0] for r in rows]} AUC {m(1):.4f} EER {100*m(2):.2f}% 1shot {100*m(3):.1f}%  per-fold EER {[round(100*r[2],1) for r in rows]} epochs {[r[4] for r in rows]} wall {[round(r[5]) for r in rows]}")
