#include "decomposition.hpp"

#include "branch_and_bound.hpp"
#include "descent.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

namespace edgesched {

namespace {

// The free devices a server's subproblem takes, in increasing order, each with the option it takes.
using Taken = std::vector<std::pair<std::uint32_t, std::size_t>>;
using Selection = std::shared_ptr<const Taken>;

// The servers' subproblems at fixed prices nu: each solved exactly (or bounded) by the one-server search.
class Stations {
public:
    Stations(const OptionTable& t, const DualState& dual, const std::vector<std::uint8_t>& off)
        : t_(t), off_(off), lambda_(dual.lambda), mu_(dual.mu), nu_(t.n_devices(), kInf),
          local_(t.n_devices(), kInf) {
        const std::size_t N = t.n_devices(), S = t.n_servers();
        for (std::size_t n = 0; n < N; ++n)
            for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o)
                nu_[n] = std::min(nu_[n], priced(t, dual, o));
        // Per server, its (device, option) pairs, device by device; per device, the servers it can use.
        ptr_.assign(S + 1, 0);
        for (std::size_t o = 0; o < t.linear.size; ++o)
            if (t.server[o] >= 0 && !off[o]) ++ptr_[static_cast<std::size_t>(t.server[o]) + 1];
        for (std::size_t j = 0; j < S; ++j) ptr_[j + 1] += ptr_[j];
        pairs_.resize(ptr_[S]);
        std::vector<std::size_t> next(ptr_.begin(), ptr_.end() - 1);
        dev_ptr_.assign(N + 1, 0);
        for (std::size_t n = 0; n < N; ++n) {
            for (std::size_t o = t.option(n, 0); o < t.option(n, 0) + t.n_options(n); ++o) {
                if (off[o]) continue;
                const std::int32_t j = t.server[o];
                if (j < 0) {
                    local_[n] = std::min(local_[n], t.linear[o] - nu_[n]);
                    continue;
                }
                pairs_[next[static_cast<std::size_t>(j)]++] = {n, o};
                if (std::find(dev_servers_.begin() + static_cast<std::ptrdiff_t>(dev_ptr_[n]), dev_servers_.end(),
                              static_cast<std::size_t>(j)) == dev_servers_.end())
                    dev_servers_.push_back(static_cast<std::size_t>(j));
            }
            dev_ptr_[n + 1] = dev_servers_.size();
        }
        limits_.node_limit = 1u << 20;
        limits_.time_limit_s = 1.0;
        limits_.gap_tol = 0.0;
    }

    double nu(std::size_t n) const { return nu_[n]; }
    // min over the device's options without a server of linear - nu (inf: none).
    double local_gap(std::size_t n) const { return local_[n]; }
    Span<const std::size_t> servers_of(std::size_t n) const {
        return {dev_servers_.data() + dev_ptr_[n], dev_ptr_[n + 1] - dev_ptr_[n]};
    }
    // The option device n has on server j (the first, if several).
    std::size_t option_on(std::size_t n, std::size_t j) const {
        for (std::size_t i = ptr_[j]; i < ptr_[j + 1]; ++i)
            if (pairs_[i].first == n) return pairs_[i].second;
        return t_.linear.size;
    }

    // OPT_j's certified lower bound with the devices `fixed` (menu index, -1 free), and the devices it takes.
    double solve(std::size_t j, const std::vector<std::int32_t>& fixed, Selection& taken) {
        ptr.assign(1, 0);
        linear.clear(), server.clear(), c.clear(), w.clear(), who.clear(), opts.clear();
        bool any_free = false;
        for (std::size_t i = ptr_[j]; i < ptr_[j + 1];) {
            const std::size_t n = pairs_[i].first;
            std::size_t end = i;
            while (end < ptr_[j + 1] && pairs_[end].first == n) ++end;
            if (fixed[n] >= 0) {
                const std::size_t o = t_.option(n, fixed[n]);
                if (t_.server[o] == static_cast<std::int32_t>(j)) {  // forced onto j at its full cost
                    add(t_.linear[o], 0, t_.c[o], t_.w[o], o);
                    ptr.push_back(linear.size());
                    who.push_back(N_none);
                }
            } else {
                any_free = true;
                add(0.0, -1, 0.0, 0.0, t_.linear.size);
                for (std::size_t q = i; q < end; ++q) {
                    const std::size_t o = pairs_[q].second;
                    add(t_.linear[o] - nu_[n], 0, t_.c[o], t_.w[o], o);
                }
                ptr.push_back(linear.size());
                who.push_back(n);
            }
            i = end;
        }
        auto out = std::make_shared<Taken>();
        const double A[1] = {t_.A[j]}, B[1] = {t_.B[j]};
        const OptionTable sub{{ptr.data(), ptr.size()}, {linear.data(), linear.size()}, {server.data(), server.size()},
                              {c.data(), c.size()},     {w.data(), w.size()},           {A, 1},
                              {B, 1}};
        const std::size_t M = ptr.size() - 1;
        double value;
        if (M == 0) {
            value = 0.0;
        } else if (!any_free) {
            std::vector<std::int32_t> zero(M, 0);
            value = total_cost(sub, Span<const std::int32_t>(zero.data(), M));
        } else {
            choice.assign(M, 0);
            const Span<std::int32_t> ch(choice.data(), M);
            DualState d;
            d.lambda.assign(1, lambda_[j]);
            d.mu.assign(1, mu_[j]);
            dual_rounding(sub, d, {}, ch);
            descent(sub, ch, std::numeric_limits<std::size_t>::max());
            const double bound = dual_bound(sub, {}, d, 1, kBisectionSteps, true);
            const double cost = total_cost(sub, Span<const std::int32_t>(ch));
            value = std::min(bound, cost);
            if (cost - bound > 1e-12 * std::abs(cost)) {
                const SearchResult r = branch_and_bound(sub, ch, limits_, d, bound);
                value = std::max(value, std::min(r.lower_bound, r.cost));
            }
            for (std::size_t m = 0; m < M; ++m)
                if (who[m] != N_none && choice[m] > 0)
                    out->emplace_back(static_cast<std::uint32_t>(who[m]), opts[static_cast<std::size_t>(ptr[m]) + static_cast<std::size_t>(choice[m])]);
        }
        taken = std::move(out);
        return value;
    }

private:
    static constexpr std::size_t N_none = static_cast<std::size_t>(-1);
    void add(double lin, std::int32_t s, double cc, double ww, std::size_t o) {
        opts.push_back(o);
        linear.push_back(lin);
        server.push_back(s);
        c.push_back(cc);
        w.push_back(ww);
    }

    const OptionTable& t_;
    const std::vector<std::uint8_t>& off_;
    std::vector<double> lambda_, mu_, nu_, local_;
    std::vector<std::size_t> ptr_, dev_ptr_, dev_servers_;
    std::vector<std::pair<std::size_t, std::size_t>> pairs_;
    SearchLimits limits_;
    // The subproblem's table, rebuilt per solve.
    std::vector<std::int64_t> ptr;
    std::vector<double> linear, c, w;
    std::vector<std::int32_t> server, choice;
    std::vector<std::size_t> who, opts;  // per sub-device its device; per sub-option the table's option
};

struct Node {
    double bound, base;  // base: sum over free devices of nu + local term, plus fixed devices' costs off servers
    std::size_t depth;
    std::vector<std::pair<std::uint32_t, std::int32_t>> fixes;
    std::vector<double> opt;
    std::vector<Selection> taken;
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
           double root_bound)
        : t_(t), best_(best), lim_(lim), off_(t.linear.size, 0), fixed_(t.n_devices(), -1),
          trial_(t.n_devices()), count_(t.n_devices(), 0), root_(root),
          deadline_{std::chrono::steady_clock::now(), lim.time_limit_s} {
        incumbent_ = total_cost(t, Span<const std::int32_t>(best));
        fixing_bound_ = fix_options(t, root, root_bound, threshold(), off_);
        st_ = std::make_unique<Stations>(t, root, off_);
    }

    SearchResult run(double root_bound) {
        const std::size_t N = t_.n_devices(), S = t_.n_servers();
        auto root = std::make_unique<Node>();
        root->depth = 0;
        root->base = 0.0;
        for (std::size_t n = 0; n < N; ++n) root->base += st_->nu(n) + std::min(0.0, st_->local_gap(n));
        root->opt.resize(S);
        root->taken.resize(S);
        for (std::size_t j = 0; j < S; ++j) root->opt[j] = st_->solve(j, fixed_, root->taken[j]);
        root->bound = root->base;
        for (double v : root->opt) root->bound += v;
        root_ld_ = root->bound;
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

    double root_bound() const { return root_ld_; }

private:
    double threshold() const { return incumbent_ - lim_.rel_tol * std::abs(incumbent_); }

    void apply(const Node& node, bool set) {
        for (const auto& [n, k] : node.fixes) fixed_[n] = set ? k : -1;
    }

    void consider(Span<std::int32_t> ch) {
        const double c = total_cost(t_, Span<const std::int32_t>(ch));
        if (c < incumbent_) {
            incumbent_ = c;
            std::copy(ch.begin(), ch.end(), best_.begin());
        }
    }

    // Counts how many parts take each free device, makes a schedule of what the parts agree on (the cheapest at the
    // root prices where they do not), and picks the device to branch on. Returns false when the node is closed.
    bool settle(Node& node) {
        ++nodes_;
        apply(node, true);
        const std::size_t N = t_.n_devices();
        std::fill(count_.begin(), count_.end(), 0);
        for (const Selection& s : node.taken)
            if (s)
                for (const auto& [n, o] : *s) ++count_[n];
        const double tol = 1e-12 * (std::abs(node.bound) + 1.0);
        std::size_t pick = N, pick_count = 0;
        for (std::size_t n = 0; n < N; ++n) {
            if (fixed_[n] >= 0) {
                trial_[n] = fixed_[n];
                continue;
            }
            std::size_t cn = count_[n] + (st_->local_gap(n) < -tol ? 1 : 0);
            const bool ok = cn == 1 || (cn == 0 && std::abs(st_->local_gap(n)) <= tol);
            // The cheapest allowed option at the root prices among those the parts take (all, if none does).
            double best = kInf;
            for (std::int32_t k = 0; k < static_cast<std::int32_t>(t_.n_options(n)); ++k) {
                const std::size_t o = t_.option(n, k);
                if (off_[o]) continue;
                const std::int32_t j = t_.server[o];
                const bool taken = j < 0 ? (st_->local_gap(n) <= tol)
                                         : count_[n] > 0 && takes(node, static_cast<std::size_t>(j), n);
                if (cn > 0 && !taken) continue;
                const double v = priced(t_, root_, o);
                if (v < best) best = v, trial_[n] = k;
            }
            if (!ok && (pick == N || cn > pick_count)) pick = n, pick_count = cn;
        }
        const Span<std::int32_t> trial(trial_.data(), trial_.size());
        if (pick == N) {
            // Every part agrees: their choices together are a schedule whose cost is the node's bound (when every
            // subproblem was solved exactly), the node's optimum.
            for (const Selection& sel : node.taken)
                if (sel)
                    for (const auto& [n, o] : *sel) trial_[n] = static_cast<std::int32_t>(o - t_.option(n, 0));
            for (std::size_t n = 0; n < N; ++n) {
                if (fixed_[n] >= 0 || count_[n] > 0) continue;
                double best = kInf;
                for (std::int32_t k = 0; k < static_cast<std::int32_t>(t_.n_options(n)); ++k) {
                    const std::size_t o = t_.option(n, k);
                    if (!off_[o] && t_.server[o] < 0 && t_.linear[o] < best) best = t_.linear[o], trial_[n] = k;
                }
            }
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

    bool takes(const Node& node, std::size_t j, std::size_t n) const {
        const Selection& s = node.taken[j];
        if (!s) return false;
        const auto it = std::lower_bound(s->begin(), s->end(), std::make_pair(static_cast<std::uint32_t>(n), std::size_t{0}));
        return it != s->end() && it->first == n;
    }

    void expand(const Node& node) {
        const std::size_t n = node.branch;
        for (std::int32_t k = 0; k < static_cast<std::int32_t>(t_.n_options(n)); ++k) {
            const std::size_t o = t_.option(n, k);
            if (off_[o]) continue;
            auto child = std::make_unique<Node>(Node{0.0, node.base, node.depth + 1, node.fixes, node.opt, node.taken, 0});
            child->fixes.emplace_back(static_cast<std::uint32_t>(n), k);
            child->base -= st_->nu(n) + std::min(0.0, st_->local_gap(n));
            if (t_.server[o] < 0) child->base += t_.linear[o];
            apply(*child, true);
            for (const std::size_t j : st_->servers_of(n)) child->opt[j] = st_->solve(j, fixed_, child->taken[j]);
            apply(*child, false);
            child->bound = child->base;
            for (double v : child->opt) child->bound += v;
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
    std::vector<std::uint8_t> off_;
    std::vector<std::int32_t> fixed_, trial_;
    std::vector<std::uint32_t> count_;
    DualState root_;
    std::unique_ptr<Stations> st_;
    std::vector<NodePtr> open_;
    Deadline deadline_;
    double incumbent_ = kInf, pruned_min_ = kInf, fixing_bound_ = kInf, root_ld_ = -kInf;
    std::uint64_t nodes_ = 0;
};

}  // namespace

SearchResult decomposition_search(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                                  const DualState& root, double root_bound) {
    return Search(t, choice, limits, root, root_bound).run(root_bound);
}

double decomposition_bound(const OptionTable& t, const DualState& dual) {
    std::vector<std::uint8_t> off(t.linear.size, 0);
    Stations st(t, dual, off);
    std::vector<std::int32_t> fixed(t.n_devices(), -1);
    double ld = 0.0;
    for (std::size_t n = 0; n < t.n_devices(); ++n) ld += st.nu(n) + std::min(0.0, st.local_gap(n));
    Selection taken;
    for (std::size_t j = 0; j < t.n_servers(); ++j) ld += st.solve(j, fixed, taken);
    return ld;
}

}  // namespace edgesched
