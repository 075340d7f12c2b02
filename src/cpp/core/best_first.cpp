#include "best_first.hpp"

#include "descent.hpp"
#include "relaxation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

namespace edgesched {

namespace {

// The choice minimising the priced value over the allowed options.
void masked_rounding(const OptionTable& t, const std::vector<std::uint8_t>& off, const DualState& d,
                     Span<std::int32_t> choice) {
    for (std::size_t n = 0; n < t.n_devices(); ++n) {
        double best = kInf;
        for (std::int32_t k = 0; k < static_cast<std::int32_t>(t.n_options(n)); ++k) {
            const std::size_t o = t.option(n, k);
            if (off[o]) continue;
            const double v = priced(t, d, o);
            if (v < best) best = v, choice[n] = k;
        }
    }
}

struct Node {
    double bound;
    std::size_t depth;
    std::vector<std::pair<std::uint32_t, std::int32_t>> fixes;  // (device, menu index)
    DualState dual;
    std::size_t branch = 0;  // the device its children fix
};
using NodePtr = std::unique_ptr<Node>;

struct Later {  // the heap's order: lowest bound first, then the deeper node
    bool operator()(const NodePtr& a, const NodePtr& b) const {
        return a->bound > b->bound || (a->bound == b->bound && a->depth < b->depth);
    }
};

class BestFirst {
public:
    BestFirst(const OptionTable& t, Span<std::int32_t> best, const SearchLimits& lim)
        : t_(t), best_(best), lim_(lim), off_(t.linear.size, 0), root_off_(t.linear.size, 0),
          trial_(t.n_devices()), deadline_{std::chrono::steady_clock::now(), lim.time_limit_s} {
        incumbent_ = total_cost(t, Span<const std::int32_t>(best));
    }

    SearchResult run(const DualState& root, double root_bound) {
        SearchResult r;
        fix_at_root(root, root_bound);
        auto first = std::make_unique<Node>(Node{root_bound, 0, {}, root});
        if (evaluate(*first)) push(std::move(first));
        bool stopped = false;
        while (!open_.empty()) {
            if (open_.front()->bound >= threshold()) {  // every open node is pruned by the incumbent
                pruned_min_ = std::min(pruned_min_, open_.front()->bound);
                pop();
                continue;
            }
            if (nodes_ >= lim_.node_limit || deadline_.passed()) {
                stopped = true;
                break;
            }
            branch(*pop());
        }
        const double open_min = stopped ? open_.front()->bound : kInf;
        r.cost = incumbent_;
        r.nodes = nodes_;
        r.proven = !stopped;
        // No choice costs less than the incumbent, a pruned node's bound, an open node's bound, or a choice with an
        // option fixed out at the root.
        r.lower_bound = std::min({incumbent_, pruned_min_, open_min, fixing_bound_});
        r.lower_bound = std::max(std::min(root_bound, incumbent_), r.lower_bound);
        return r;
    }

private:
    double threshold() const { return incumbent_ - lim_.rel_tol * std::abs(incumbent_); }

    // Reduced-cost fixing at the root: option o of device n can be in a choice cheaper than the threshold only if
    // g + rc_o is below it (docs/model.md §6, item 2), widened by the bound's rounding.
    void fix_at_root(const DualState& root, double g) {
        const std::size_t N = t_.n_devices();
        double P = penalty(t_, root);
        for (std::size_t n = 0; n < N; ++n) {
            double p = 0.0;
            for (std::size_t o = t_.option(n, 0); o < t_.option(n, 0) + t_.n_options(n); ++o)
                p = std::max(p, std::abs(priced(t_, root, o)));
            P += p;
        }
        slack_ = 16.0 * (static_cast<double>(N) + 8.0) * std::numeric_limits<double>::epsilon() * P;
        for (std::size_t n = 0; n < N; ++n) {
            const std::size_t lo = t_.option(n, 0), hi = lo + t_.n_options(n);
            double m = kInf;
            for (std::size_t o = lo; o < hi; ++o) m = std::min(m, priced(t_, root, o));
            for (std::size_t o = lo; o < hi; ++o) {
                const double rc = priced(t_, root, o) - m;
                if (g + rc - slack_ >= threshold()) {
                    root_off_[o] = 1;
                    fixing_bound_ = std::min(fixing_bound_, g + rc - slack_);
                }
            }
        }
    }

    void consider(Span<std::int32_t> choice) {
        const double c = total_cost(t_, Span<const std::int32_t>(choice));
        if (c < incumbent_) {
            incumbent_ = c;
            std::copy(choice.begin(), choice.end(), best_.begin());
        }
    }

    // The node's mask: the root's, and every fixed device's other options.
    void apply(const Node& node) {
        std::copy(root_off_.begin(), root_off_.end(), off_.begin());
        for (const auto& [n, k] : node.fixes) {
            const std::size_t lo = t_.option(n, 0), hi = lo + t_.n_options(n);
            for (std::size_t o = lo; o < hi; ++o) off_[o] = o == lo + static_cast<std::size_t>(k) ? 0 : 1;
        }
    }

    // Solves the node's relaxation; false when it is pruned.
    bool evaluate(Node& node) {
        ++nodes_;
        apply(node);
        RelaxationLimits rl;
        rl.rel_gap = 1e-10;
        rl.prune_at = threshold();
        const RelaxationResult rr = relaxation_optimum(t_, Span<const std::uint8_t>(off_.data(), off_.size()), node.dual, rl, &mix_);
        node.bound = std::max(node.bound, rr.bound);
        if (node.bound >= threshold()) {
            pruned_min_ = std::min(pruned_min_, node.bound);
            return false;
        }
        const Span<std::int32_t> trial(trial_.data(), trial_.size());
        masked_rounding(t_, off_, node.dual, trial);
        consider(trial);
        descent(t_, trial, std::numeric_limits<std::size_t>::max());
        consider(trial);
        // The device the relaxation mixes most (none: the relaxation is integral, its rounding the node's optimum).
        branch_on_ = t_.n_devices();
        double most = 1e-9;
        for (std::size_t n = 0; n < t_.n_devices(); ++n) {
            const std::size_t lo = t_.option(n, 0), hi = lo + t_.n_options(n);
            double top = 0.0;
            for (std::size_t o = lo; o < hi; ++o) top = std::max(top, off_[o] ? 0.0 : mix_[o]);
            if (1.0 - top > most) most = 1.0 - top, branch_on_ = n;
        }
        if (branch_on_ == t_.n_devices() && rr.converged) {
            pruned_min_ = std::min(pruned_min_, node.bound);
            return false;
        }
        if (branch_on_ == t_.n_devices()) {  // not converged: branch on the first device with a choice left
            for (std::size_t n = 0; n < t_.n_devices() && branch_on_ == t_.n_devices(); ++n) {
                std::size_t left = 0;
                for (std::size_t o = t_.option(n, 0); o < t_.option(n, 0) + t_.n_options(n); ++o) left += !off_[o];
                if (left > 1) branch_on_ = n;
            }
            if (branch_on_ == t_.n_devices()) {  // every device fixed: a leaf, its rounding considered above
                pruned_min_ = std::min(pruned_min_, total_cost(t_, Span<const std::int32_t>(trial_.data(), trial_.size())));
                return false;
            }
        }
        node.branch = branch_on_;
        return true;
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

    void branch(const Node& node) {
        apply(node);
        const std::size_t n = node.branch;
        const std::size_t lo = t_.option(n, 0);
        std::vector<std::int32_t> kids;
        for (std::size_t o = lo; o < lo + t_.n_options(n); ++o)
            if (!off_[o]) kids.push_back(static_cast<std::int32_t>(o - lo));
        for (const std::int32_t k : kids) {
            auto child = std::make_unique<Node>(Node{node.bound, node.depth + 1, node.fixes, node.dual});
            child->fixes.emplace_back(static_cast<std::uint32_t>(n), k);
            if (evaluate(*child)) push(std::move(child));
        }
    }

    const OptionTable& t_;
    Span<std::int32_t> best_;
    SearchLimits lim_;
    std::vector<std::uint8_t> off_, root_off_;
    std::vector<std::int32_t> trial_;
    std::vector<double> mix_;
    std::vector<NodePtr> open_;
    Deadline deadline_;
    double incumbent_ = kInf, pruned_min_ = kInf, fixing_bound_ = kInf, slack_ = 0.0;
    std::uint64_t nodes_ = 0;
    std::size_t branch_on_ = 0;
};

}  // namespace

SearchResult best_first(const OptionTable& t, Span<std::int32_t> choice, const SearchLimits& limits,
                        const DualState& root, double root_bound) {
    return BestFirst(t, choice, limits).run(root, root_bound);
}

}  // namespace edgesched
