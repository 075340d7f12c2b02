#include "decomposition.hpp"

#include "descent.hpp"
#include "station_moves.hpp"
#include "stations.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

namespace edgesched {

namespace {

struct Node {
    double bound, base;  // base: sum over free devices of nu + local term, plus fixed devices' costs off servers
    std::size_t depth;
    std::vector<std::pair<std::uint32_t, std::int32_t>> fixes;
    std::vector<StationPart> parts;
    std::size_t branch = 0;  // the device its children fix
};
using NodePtr = std::unique_ptr<Node>;

struct Later {
    bool operator()(const NodePtr& a, const NodePtr& b) const {
        return a->bound > b->bound || (a->bound == b->bound && a->depth < b->depth);
    }
};

// Reduced-cost fixing at the relaxation's multipliers: options that alone close the gap are left out; returns
// the smallest bound of a choice using one (inf: none left out).
double fix_options(const OptionTable& t, const DualState& d, double g, double threshold, std::vector<std::uint8_t>& off) {
    double fixing_bound = kInf;
    const double slack = 16.0 * (static_cast<double>(t.n_devices()) + 8.0) * std::numeric_limits<double>::epsilon() *
                         (std::abs(g) + penalty(t, d));
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        const std::size_t lo = t.option(n, 0), hi = lo + t.n_options(n);
        double m = kInf;
        for (std::size_t o = lo; o < hi; ++o) m = std::min(m, priced(t, d, o));
        for (std::size_t o = lo; o < hi; ++o) {
            const double b = g + priced(t, d, o) - m - slack;
            if (b >= threshold) {
                off[o] = 1;
                fixing_bound = std::min(fixing_bound, b);
            }
        }
    }
    return fixing_bound;
}

class Search {
public:
    Search(const OptionTable& t, Span<std::int32_t> best, const SearchLimits& lim, const DualState& root,
           double root_bound, unsigned threads)
        : t_(t), best_(best), lim_(lim), threads_(threads), off_(t.linear.size, 0), fixed_(t.n_devices(), -1),
          trial_(t.n_devices()), count_(t.n_devices(), 0), root_(root),
          deadline_{std::chrono::steady_clock::now(), lim.time_limit_s} {
        incumbent_ = total_cost(t, Span<const std::int32_t>(best));
        fixing_bound_ = fix_options(t, root, root_bound, threshold(), off_);
        st_ = std::make_unique<StationProblems>(t, root, off_);
    }

    SearchResult run(double root_bound, std::vector<double>* prices) {
        const std::size_t N = t_.n_devices(), S = t_.n_servers();
        if (prices && prices->size() == N)
            for (std::size_t n = 0; n < N; ++n) st_->set_nu(n, (*prices)[n]);
        auto root = std::make_unique<Node>();
        root->depth = 0;
        root->parts.resize(S);
        std::vector<std::size_t> all(S);
        for (std::size_t j = 0; j < S; ++j) all[j] = j;
        st_->solve_all({all.data(), S}, fixed_, root->parts, threads_);
        measure(*root);
        ascend(*root);
        if (prices) *prices = st_->prices();
        if (settle(*root)) push(std::move(root));
        bool stopped = false;
        while (!open_.empty()) {
            if (open_.front()->bound >= threshold()) {
                pruned_min_ = std::min(pruned_min_, open_.front()->bound);
                pop();
                continue;
            }
            if (nodes_ >= lim_.node_limit || deadline_.passed()) {
                stopped = true;
                break;
            }
            expand(*pop());
        }
        SearchResult r;
        r.cost = incumbent_;
        r.nodes = nodes_;
        r.proven = !stopped;
        const double open_min = stopped ? open_.front()->bound : kInf;
        r.lower_bound = std::min({incumbent_, pruned_min_, open_min, fixing_bound_});
        r.lower_bound = std::max(std::min(root_bound, incumbent_), r.lower_bound);
        return r;
    }

private:
    double threshold() const { return incumbent_ - lim_.rel_tol * std::abs(incumbent_); }

    void apply(const Node& node, bool set) {
        for (const auto& [n, k] : node.fixes) fixed_[n] = set ? k : -1;
    }

    // The node's bound from its parts (with the node's fixes applied).
    void measure(Node& node) const {
        node.base = st_->free_terms(fixed_);
        for (const auto& [n, k] : node.fixes) {
            const std::size_t o = t_.option(n, k);
            if (t_.server[o] < 0) node.base += t_.linear[o];
        }
        node.bound = node.base;
        for (const StationPart& p : node.parts) node.bound += p.value;
    }

    void consider(Span<const std::int32_t> ch) {
        const double c = total_cost(t_, ch);
        if (c < incumbent_) {
            incumbent_ = c;
            std::copy(ch.begin(), ch.end(), best_.begin());
        }
    }

    // Whether the local term takes device n: its option off every server is cheaper than its price (or tied, when no
    // station takes it).
    bool local_takes(std::size_t n, double tol) const {
        const double gap = st_->local_gap(n);
        return gap < -tol || (count_[n] == 0 && std::abs(gap) <= tol);
    }

    // Counts how many parts take each free device (count_) and writes to trial_ the schedule the parts suggest:
    // each device the option a part takes (the cheapest at the root prices where several do; the cheapest allowed
    // option at those prices where none does). Returns whether every free device is taken exactly once.
    bool assemble(const Node& node, double tol) {
        const std::size_t N = t_.n_devices();
        std::fill(count_.begin(), count_.end(), 0);
        for (const StationPart& p : node.parts)
            if (p.taken)
                for (const auto& [n, o] : *p.taken) {
                    const auto k = static_cast<std::int32_t>(o - t_.option(n, 0));
                    if (count_[n]++ == 0 || priced(t_, root_, o) < priced(t_, root_, t_.option(n, trial_[n])))
                        trial_[n] = k;
                }
        bool agree = true;
        for (std::size_t n = 0; n < N; ++n) {
            if (fixed_[n] >= 0) {
                trial_[n] = fixed_[n];
                continue;
            }
            const bool local = local_takes(n, tol);
            agree = agree && count_[n] + (local ? 1 : 0) == 1;
            if (count_[n] > 0 && !local) continue;
            // The local term takes the option off every server of least linear cost (its price at any
            // multipliers); with no taker at all, the cheapest allowed option at the root prices.
            double best = count_[n] > 0 ? priced(t_, root_, t_.option(n, trial_[n])) : kInf;
            for (std::int32_t k = 0; k < static_cast<std::int32_t>(t_.n_options(n)); ++k) {
                const std::size_t o = t_.option(n, k);
                if (off_[o] || (local && t_.server[o] >= 0)) continue;
                const double v = priced(t_, root_, o);
                if (v < best) best = v, trial_[n] = k;
            }
        }
        return agree;
    }

    // The subgradient ascent on nu at the root (docs/model.md §6.2). LD's supergradient in nu_n is 1 minus the
    // number of parts taking device n (the local term included); each step moves nu along it by the Polyak step
    // theta (incumbent - LD) / |supergradient|^2 and re-solves only the stations of the devices whose price moved.
    // theta halves whenever three steps in a row do not raise the best bound; the ascent stops when the parts
    // agree (their schedule is optimal), when the best bound prunes the incumbent, when theta falls below 1e-3,
    // or when ten steps raised the best bound by less than a tenth of the gap left (the search is then cheaper).
    // The root keeps the best prices met and their parts.
    void ascend(Node& root) {
        const std::size_t N = t_.n_devices(), S = t_.n_servers();
        std::vector<double> best_nu = st_->prices(), history, g(N, 0.0);
        std::vector<StationPart> best_parts = root.parts;
        double best = root.bound, ld = root.bound, theta = 1.0;
        int stall = 0;
        bool stalled = false;
        std::vector<char> dirty(S);
        std::vector<std::size_t> list;
        for (int step = 0; step < kAscentSteps; ++step) {
            const double tol = 1e-12 * (std::abs(ld) + 1.0);
            const bool agree = assemble(root, tol);
            primal(root, stalled);
            if (best >= threshold() || agree || deadline_.passed()) break;
            double norm = 0.0;
            for (std::size_t n = 0; n < N; ++n) {
                g[n] = fixed_[n] >= 0 ? 0.0 : 1.0 - static_cast<double>(count_[n] + (local_takes(n, tol) ? 1 : 0));
                norm += g[n] * g[n];
            }
            const double move = theta * (incumbent_ - ld) / norm;
            std::fill(dirty.begin(), dirty.end(), 0);
            for (std::size_t n = 0; n < N; ++n) {
                if (g[n] == 0.0) continue;
                st_->set_nu(n, st_->nu(n) + move * g[n]);
                for (const std::size_t j : st_->servers_of(n)) dirty[j] = 1;
            }
            list.clear();
            for (std::size_t j = 0; j < S; ++j)
                if (dirty[j]) list.push_back(j);
            st_->solve_all({list.data(), list.size()}, fixed_, root.parts, threads_);
            measure(root);
            ld = root.bound;
            stalled = false;
            if (ld > best) {
                best = ld;
                best_nu = st_->prices();
                best_parts = root.parts;
                stall = 0;
            } else if (++stall >= 3) {
                stalled = true;
                theta *= 0.5;
                stall = 0;
                if (theta < 1e-3) break;
            }
            history.push_back(best);
            constexpr std::size_t kWindow = 10;
            if (history.size() > kWindow && best - history[history.size() - 1 - kWindow] < 0.1 * (incumbent_ - best))
                break;
        }
        for (std::size_t n = 0; n < N; ++n) st_->set_nu(n, best_nu[n]);
        root.parts = std::move(best_parts);
        measure(root);
    }

    // Candidate schedules: the parts' suggestion in trial_, improved by descent; and, when the ascent has stalled
    // (`resolve`), the incumbent with the stations whose part differs from it there re-solved (station_moves.hpp).
    void primal(const Node& node, bool resolve) {
        const Span<std::int32_t> trial(trial_.data(), trial_.size());
        descent(t_, trial, std::numeric_limits<std::size_t>::max());
        consider(trial);
        if (!resolve) return;
        std::vector<std::size_t> on(t_.n_servers(), 0), differ;  // the incumbent's free devices per station
        for (std::size_t n = 0; n < t_.n_devices(); ++n) {
            const std::int32_t j = t_.server[t_.option(n, best_[n])];
            if (j >= 0 && fixed_[n] < 0) ++on[static_cast<std::size_t>(j)];
        }
        for (std::size_t j = 0; j < node.parts.size(); ++j) {
            const Selection& s = node.parts[j].taken;
            bool same = (s ? s->size() : 0) == on[j];
            if (s)
                for (auto it = s->begin(); same && it != s->end(); ++it)
                    same = t_.option(it->first, best_[it->first]) == it->second;
            if (!same) differ.push_back(j);
        }
        if (differ.empty()) return;
        std::copy(best_.begin(), best_.end(), trial_.begin());
        if (station_moves(t_, trial, {differ.data(), differ.size()}) > 0) consider(trial);
    }

    // Sets node.branch to the device to branch on; returns false when the node is closed (its parts agree on a
    // schedule that costs its bound).
    bool settle(Node& node) {
        ++nodes_;
        apply(node, true);
        const std::size_t N = t_.n_devices();
        const double tol = 1e-12 * (std::abs(node.bound) + 1.0);
        const bool agree = assemble(node, tol);
        std::size_t pick = N, pick_count = 0;
        for (std::size_t n = 0; n < N && !agree; ++n) {
            if (fixed_[n] >= 0) continue;
            const std::size_t takers = count_[n] + (local_takes(n, tol) ? 1 : 0);
            if (takers != 1 && (pick == N || takers > pick_count)) pick = n, pick_count = takers;
        }
        const Span<std::int32_t> trial(trial_.data(), trial_.size());
        if (agree) {
            // Every part agrees: their choices together are a schedule whose cost is the node's bound (when every
            // subproblem was solved exactly), the node's optimum.
            const double cost = total_cost(t_, Span<const std::int32_t>(trial));
            consider(trial);
            if (cost <= node.bound + 1e-12 * std::abs(node.bound)) {
                pruned_min_ = std::min(pruned_min_, node.bound);
                apply(node, false);
                return false;
            }
            // A subproblem was only bounded: branch on any device with a choice left.
            for (std::size_t n = 0; n < N && pick == N; ++n) {
                if (fixed_[n] >= 0) continue;
                std::size_t left = 0;
                for (std::size_t o = t_.option(n, 0); o < t_.option(n, 0) + t_.n_options(n); ++o) left += !off_[o];
                if (left > 1) pick = n;
            }
            if (pick == N) {
                pruned_min_ = std::min(pruned_min_, cost);
                apply(node, false);
                return false;
            }
        }
        consider(trial);
        descent(t_, trial, std::numeric_limits<std::size_t>::max());
        consider(trial);
        apply(node, false);
        node.branch = pick;
        return true;
    }

    void expand(const Node& node) {
        const std::size_t n = node.branch;
        for (std::int32_t k = 0; k < static_cast<std::int32_t>(t_.n_options(n)); ++k) {
            const std::size_t o = t_.option(n, k);
            if (off_[o]) continue;
            auto child = std::make_unique<Node>(Node{0.0, 0.0, node.depth + 1, node.fixes, node.parts, 0});
            child->fixes.emplace_back(static_cast<std::uint32_t>(n), k);
            apply(*child, true);
            const Span<const std::size_t> servers = st_->servers_of(n);
            st_->solve_all(servers, fixed_, child->parts, 1);
            measure(*child);
            apply(*child, false);
            child->bound = std::max(child->bound, node.bound);  // a child's choices are among its parent's
            if (child->bound >= threshold()) {
                pruned_min_ = std::min(pruned_min_, child->bound);
                continue;
            }
            if (settle(*child)) push(std::move(child));
        }
    }

    void push(NodePtr node) {
        open_.push_back(std::move(node));
        std::push_heap(open_.begin(), open_.end(), Later{});
    }
    NodePtr pop() {
        std::pop_heap(open_.begin(), open_.end(), Later{});
        NodePtr node = std::move(open_.back());
        open_.pop_back();
        return node;
    }

    const OptionTable& t_;
    Span<std::int32_t> best_;
    SearchLimits lim_;
    unsigned threads_;
    std::vector<std::uint8_t> off_;
    std::vector<std::int32_t> fixed_, trial_;
    std::vector<std::uint32_t> count_;
    DualState root_;
    std::unique_ptr<StationProblems> st_;
    std::vector<NodePtr> open_;
    Deadline deadline_;
    double incumbent_ = kInf, pruned_min_ = kInf, fixing_bound_ = kInf;
    std::uint64_t nodes_ = 0;
};

}  // namespace

SearchResult decomposition_search(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                                  const DualState& root, double root_bound, unsigned threads,
                                  std::vector<double>* prices) {
    return Search(t, choice, limits, root, root_bound, threads).run(root_bound, prices);
}

}  // namespace edgesched
