# shellcheck shell=bash
# Helpers of the shared expectations (see README.md); the caller defines fail.

# expect_file_jq FILE EXPR MESSAGE: EXPR must be true on FILE
expect_file_jq() {
	jq -e "$2" "$1" >/dev/null 2>&1 || fail "$3 [jq '$2' on $(basename "$1")]"
}

# workload_max FILE ROLE KEY: the largest KEY (ms) of ROLE's lines in diowork's
# output FILE, in ns
workload_max_ns() {
	grep "^{\"role\":\"$2\"" "$1" | jq -s "map(.$3) | max * 1000000 | floor"
}

# tier_expected PROBE HOOK ASKED: the tier HOOK gets when ASKED (fentry,
# kprobe, tracepoint or auto) is asked for, by PROBE (`diolock probe --json`):
# auto takes the best the kernel allows, a forced tier that or nothing.
tier_expected() {
	jq -r --arg a "$3" '.hooks.'"$2"' as $h |
		(if $a == "auto" then ["fentry", "kprobe", "tp_btf", "raw_tp"]
		 elif $a == "tracepoint" then ["tp_btf", "raw_tp"] else [$a] end) |
		map(select($h.tiers[.].kernel_allows and $h.tiers[.].diolock_program)) | .[0] // "unavailable"' "$1"
}
