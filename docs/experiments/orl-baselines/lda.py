import numpy as np, PIL.Image as I
root='/work/shared/datasets/orl-faces'
def load(subs, size=(46,56)):
  X=[];Y=[]
  for s in subs:
    for j in range(1,11):
      im=I.open(f'{root}/s{s}/{j}.png').convert('L').resize(size, I.BILINEAR)
      X.append(np.asarray(im,dtype=np.float64).ravel());Y.append(s)
  X=np.array(X); X=(X-X.mean(1,keepdims=True))/X.std(1,keepdims=True); return X,np.array(Y)
def eer(d,same):
  pos=np.sort(d[same]);neg=np.sort(d[~same]);best=1
  for t in np.quantile(d,np.linspace(0,1,3001)):
    far=np.searchsorted(neg,t,'right')/len(neg);frr=1-np.searchsorted(pos,t,'right')/len(pos);best=min(best,max(far,frr))
  return best
def fit(X,Y,npca,reg):
  mu=X.mean(0);U,S,Vt=np.linalg.svd(X-mu,full_matrices=False);P=Vt[:npca].T
  Z=(X-mu)@P; cls=np.unique(Y); m=Z.mean(0)
  Sw=sum(np.cov(Z[Y==c].T,bias=True)*(Y==c).sum() for c in cls); Sb=sum((Y==c).sum()*np.outer(Z[Y==c].mean(0)-m,Z[Y==c].mean(0)-m) for c in cls)
  Sw+=reg*np.trace(Sw)/npca*np.eye(npca)
  w,V=np.linalg.eig(np.linalg.solve(Sw,Sb)); o=np.argsort(-w.real)[:len(cls)-1]; W=V[:,o].real
  return lambda A: ((A-mu)@P)@W
def evaluate(F,Y):
  F=F/np.linalg.norm(F,axis=1,keepdims=True); D=((F[:,None]-F[None])**2).sum(-1); iu=np.triu_indices(len(F),1)
  return eer(D[iu],(Y[:,None]==Y[None])[iu])
for npca in [40,80,150]:
  for reg in [0.0,0.1,1.0]:
    res=[]
    for f in (1,2,3):
      val=[s for s in range(1,31) if (s-1)%3==f-1]; tr=[s for s in range(1,31) if s not in val]
      Xt,Yt=load(tr);Xv,Yv=load(val); proj=fit(Xt,Yt,npca,reg); res.append(evaluate(proj(Xv),Yv))
    print('pca',npca,'reg',reg,'fold EERs',np.round(res,3),'mean',round(np.mean(res),3))
# pixel baseline on folds
res=[]
for f in (1,2,3):
  val=[s for s in range(1,31) if (s-1)%3==f-1]; Xv,Yv=load(val); res.append(evaluate(Xv,Yv))
print('pixels fold EERs',np.round(res,3))
