import sys; sys.argv=["x","1","30"]; exec(open(__file__.replace('snorm.py','lbp.py')).read().split("iu=np.triu_indices")[0])
def snorm_eval(F,dist,name):
  A=np.arange(len(X))<150; B=~A   # eval on subjects 1-15, cohort 16-30 and vice versa
  res=[]
  for ev,co in [(A,B),(B,A)]:
    Fe=F[ev];Fc=F[co];Ye=Y[ev]
    D=dist(Fe,Fe);C=dist(Fe,Fc)
    mu=C.mean(1);sd=C.std(1)
    iu=np.triu_indices(len(Fe),1);same=(Ye[:,None]==Ye[None,:])[iu]
    Dn=0.5*((D-mu[:,None])/sd[:,None]+(D-mu[None,:])/sd[None,:])
    # adaptive: top-k closest cohort
    k=50;Cs=np.sort(C,1)[:,:k];mu2=Cs.mean(1);sd2=Cs.std(1)
    Da=0.5*((D-mu2[:,None])/sd2[:,None]+(D-mu2[None,:])/sd2[None,:])
    res.append((eer(D[iu],same),eer(Dn[iu],same),eer(Da[iu],same)))
  print(name,'raw/snorm/asnorm EER',np.mean(res,0))
P=X.reshape(len(X),-1);P=(P-P.mean(1,keepdims=True))/P.std(1,keepdims=True)
l2=lambda a,b:((a[:,None]-b[None])**2).sum(-1)
snorm_eval(P,l2,'pixel')
F=np.stack([feat(x,(4,4)) for x in X])
chi=lambda a,b:0.5*(((a[:,None]-b[None])**2)/(a[:,None]+b[None]+1e-9)).sum(-1)
snorm_eval(F,chi,'lbp44')
