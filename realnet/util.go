package realnet

import "sort"

func sortNodes(ns []ClusterNode) {
	sort.Slice(ns, func(i, j int) bool { return ns[i].Addr.Compare(ns[j].Addr) < 0 })
}
