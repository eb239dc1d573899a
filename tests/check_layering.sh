#!/bin/sh
# The layering rule (README "Architecture"): nothing in the layers above the
# op interface -- host/nn, host/train, host/data, host/check, host/export -- reaches
# OpenCL: no call of the OpenCL backend's own functions (clcnn_backend_cl_*)
# or of device listing and selection, no OpenCL or CLBlast header. They ask
# the backend through its ops (clcnn_backend_device, _max_alloc_bytes); the
# CLI chooses devices. Run by CTest as test_layering; argument: the source tree.
root=${1:-.}
found=$(cd "$root" && grep -rnE \
    -e 'clcnn_backend_cl_[a-z_]*[[:space:]]*\(' \
    -e '(clcnn_devices_list|clcnn_device_select)[[:space:]]*\(' \
    -e '#[[:space:]]*include[[:space:]]*[<"](CL/|OpenCL/|clblast)' \
    host/nn host/train host/data host/check host/export)
if [ -n "$found" ]; then
    echo "layering: these files above the op interface reach OpenCL directly:" >&2
    echo "$found" >&2
    exit 1
fi
echo "layering: host/nn, host/train, host/data, host/check and host/export reach no OpenCL function or header"
