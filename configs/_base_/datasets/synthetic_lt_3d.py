# The embedded default: brl_mm's synthetic long-tailed NTU-25 3D skeletons
# (tools/data/generate_synthetic_lt.py writes the pickle; 20 classes, n_max
# 200, IF=100 in xsub_train, 30 samples per class of unseen subjects in
# xsub_val). The NTU-25 3D pipelines and loaders (./ntu60_xsub_lt_3d.py);
# only the data changes (the pickle is long-tailed itself: no sample list).
_base_ = './ntu60_xsub_lt_3d.py'

ann_file = 'data/skeleton/synthetic_lt_ntu.pkl'
num_classes = 20
lt_split_file = None

train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            ann_file=ann_file,
            num_classes=num_classes,
            lt_split_file=lt_split_file)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, num_classes=num_classes))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, num_classes=num_classes))
