#pragma once
// Placement: which node takes a new room, in which order /v1/config lists the nodes, and where a
// viewer plays when the room's node (the origin) is full.
//
// Policy. A node's load is one number, load_score: a signalling session, a media viewer, a Mbit/s
// of egress and a percent of CPU count one each (a viewer of a 1 Mbit/s stream counts two: its
// slot and its bytes). Nodes over their capacity (Capacity: viewers, egress, CPU) come after every
// node under it, whatever their scores. Ties go to the smaller node id, so two nodes that see the
// same records make the same choice. The rules are pure functions of the records; the records
// are at most a refresh (1 s) old, so a burst of joins within a second all land on the node that
// was least loaded at its start: acceptable, because pins spread by room, not by session.
//
// Pure: records in, choices out.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/node_record.hpp"

namespace minirtc::cluster {

/// What a node takes before others are preferred; 0 = no limit on that measure.
struct Capacity {
  std::uint32_t max_viewers = 0;
  double max_egress_mbps = 0;
  double max_cpu_percent = 0;
};

double load_score(const NodeRecord& node) noexcept;
bool over_capacity(const NodeRecord& node, const Capacity& capacity) noexcept;

/// Least loaded first (nodes under capacity before nodes over it; ties by id).
std::vector<NodeRecord> order_by_load(std::span<const NodeRecord> nodes, const Capacity& capacity);

/// The node a new room is pinned to: the first of order_by_load; nullopt when there is none.
std::optional<std::string> pick_room_node(std::span<const NodeRecord> nodes,
                                          const Capacity& capacity);

/// Where a new viewer of a stream whose origin is `origin_id` plays: the origin while it is under
/// capacity (or when no other node is); else the least-loaded other node under capacity (an edge,
/// which pulls the stream from the origin once); else the origin. An origin missing from `nodes`
/// (its record just expired) is still returned: the caller fails the play, not the placement.
std::string pick_play_node(std::string_view origin_id, std::span<const NodeRecord> nodes,
                           const Capacity& capacity);

}  // namespace minirtc::cluster
