# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# Lock-order cost for make bench: 60 renames across two ext4 directories, i_rwsems taken nested; settings and expectations are order-cost-flat's.
# shellcheck source=order-cost-flat.sh
. "$VM_DIR/scenarios/order-cost-flat.sh"
