import json,numpy as np,sys
rng=np.random.default_rng(0)
folds=[json.load(open(f)) for f in sys.argv[1:]]
def sim(trials=200):
  recs=[]
  for rows in folds:
    subs=sorted(set(r['s'] for r in rows)); E={s:np.array([r['v'] for r in rows if r['s']==s]) for s in subs}
    for _ in range(trials):
      p=rng.permutation(len(subs)); gal=[subs[i] for i in p[:5]]; stra=[subs[i] for i in p[5:]]
      ge=[rng.integers(10) for _ in gal]; G=np.stack([E[s][j] for s,j in zip(gal,ge)])
      for gi,s in enumerate(gal):
        for j in range(10):
          if j==ge[gi]: continue
          d=np.linalg.norm(G-E[s][j],axis=1); o=np.argsort(d); recs.append((1,o[0]==gi,d[o[0]],d[o[1]]))
      for s in stra:
        for j in range(10):
          d=np.linalg.norm(G-E[s][j],axis=1); o=np.argsort(d); recs.append((0,False,d[o[0]],d[o[1]]))
  return np.array(recs,dtype=float)
R=sim()
known=R[:,0]==1; correct=R[:,1]==1; d1=R[:,2]; ratio=R[:,2]/R[:,3]
print('top1 unthresholded', correct[known].mean())
def rate(t,r):
  m=(d1<=t)&(ratio<=r); return (m&correct&known).sum()/known.sum(), m[~known].mean()
for target in [0.05,0.1,0.24]:
  best={}
  for r in [1.0,0.95,0.9,0.85,0.8,0.75,0.7,0.65,0.6,0.5]:
    # largest t with stranger FMR <= target
    ts=np.sort(d1); lo=None
    for t in ts[::50]:
      a,f=rate(t,r)
      if f<=target: lo=(t,a,f)
    if lo: best[r]=lo
  print('stranger FMR <=',target, {r:(round(v[0],3),round(v[1],3),round(v[2],3)) for r,v in best.items()})
