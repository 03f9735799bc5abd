import numpy as np, PIL.Image as I, sys
root='/work/shared/datasets/orl-faces'
subs=[f's{i}' for i in range(int(sys.argv[1]),int(sys.argv[2])+1)]
X=[];Y=[]
for si,s in enumerate(subs):
  for j in range(1,11):
    X.append(np.asarray(I.open(f'{root}/{s}/{j}.png').convert('L'),dtype=np.float32));Y.append(si)
X=np.stack(X);Y=np.array(Y)
def lbp(img,R=1):
  H,W=img.shape; c=img[R:H-R,R:W-R]; code=np.zeros_like(c,dtype=np.int32)
  offs=[(-R,-R),(-R,0),(-R,R),(0,R),(R,R),(R,0),(R,-R),(0,-R)]
  bits=[]
  for k,(dy,dx) in enumerate(offs):
    n=img[R+dy:H-R+dy,R+dx:W-R+dx]; b=(n>=c).astype(np.int32); bits.append(b); code|=b<<k
  # uniform mapping
  tr=np.zeros_like(code)
  for k in range(8): tr+=bits[k]!=bits[(k+1)%8]
  return code,tr
# build uniform table
table=np.full(256,58);u=0
for v in range(256):
  b=[(v>>k)&1 for k in range(8)];t=sum(b[k]!=b[(k+1)%8] for k in range(8))
  if t<=2: table[v]=u;u+=1
def feat(img,g=(8,7)):
  code,_=lbp(img);code=table[code];H,W=code.shape;f=[]
  for a in range(g[0]):
    for b in range(g[1]):
      cell=code[a*H//g[0]:(a+1)*H//g[0], b*W//g[1]:(b+1)*W//g[1]]
      h=np.bincount(cell.ravel(),minlength=59).astype(np.float32);f.append(h/h.sum())
  return np.concatenate(f)
def eer(d,same):
  pos=d[same];neg=d[~same];ts=np.unique(np.quantile(d,np.linspace(0,1,2001)))
  best=1
  for t in ts:
    far=(neg<=t).mean();frr=(pos>t).mean();best=min(best,max(far,frr))
  return best
iu=np.triu_indices(len(X),1);same=(Y[:,None]==Y[None,:])[iu]
# pixel
P=X.reshape(len(X),-1);P=(P-P.mean(1,keepdims=True))/P.std(1,keepdims=True)
D=((P[:,None]-P[None])**2).sum(-1);print('pixel L2 EER',eer(D[iu],same))
for g in [(4,4),(6,5),(8,7)]:
  F=np.stack([feat(x,g) for x in X])
  D=0.5*(((F[:,None]-F[None])**2)/(F[:,None]+F[None]+1e-9)).sum(-1)
  print('LBP chi2',g,'EER',eer(D[iu],same))
  # 1-shot top1: each image as gallery-of-one per subject? leave as nn accuracy
  Dn=D.copy();np.fill_diagonal(Dn,np.inf);print('  NN top1',(Y[Dn.argmin(1)]==Y).mean())
