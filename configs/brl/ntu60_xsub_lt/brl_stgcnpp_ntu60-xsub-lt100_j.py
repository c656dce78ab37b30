# BRL (ST-GCN++) on NTU60-LT X-Sub, IF=100, joint stream: the headline config
# configs/brl/ntu60_xsub_lt.py under this directory's naming scheme (the one
# leaf that inherits another).
_base_ = '../ntu60_xsub_lt.py'
