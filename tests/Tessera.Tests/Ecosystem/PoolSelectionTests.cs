using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Economics;
using Tessera.Ecosystem;
using Tessera.Scoring;
using static Tessera.Tests.Ecosystem.EcosystemFixtures;

namespace Tessera.Tests.Ecosystem;

public sealed class PoolSelectionTests
{
    private static (PoolSelection Selection, Tessera.Chiplets.ProfileTable Table) Suite(Objective metric, params (string, long[], int)[] apps)
    {
        var candidates = Candidates();
        var table = EcosystemFixtures.Suite(candidates, apps);
        var memories = MemoryOption.Mozart(Tech);
        var options = Options(metric);
        var plans = table.Models.Select(app =>
            new BasicDesigner(Tech, table, app, candidates, memories, options, _ => table.Models.Length).Design()!.Plan).ToList();
        return (new PoolSelection(Tech, table, table.Models, plans, memories, options), table);
    }

    private static IEnumerable<int[]> Subsets(int n, int k) =>
        Enumerable.Range(1, (1 << n) - 1).Select(m => Enumerable.Range(0, n).Where(i => (m >> i & 1) == 1).ToArray()).Where(s => s.Length <= k);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Exact_selection_equals_brute_force_on_a_tiny_suite(int k)
    {
        var (selection, table) = Suite(Objective.EnergyCost, ("a", [2 * MiB, 9 * MiB, 1 * MiB, 3 * MiB], 7), ("b", [12 * MiB, 1 * MiB, 4 * MiB], 8),
            ("c", [1 * MiB, 1 * MiB, 30 * MiB, 2 * MiB, 1 * MiB], 9));
        var (pool, optimal) = selection.Exact(k, 10);
        Assert.True(optimal);
        Assert.True(pool.Length <= k);
        var brute = Subsets(table.Candidates.Length, k).Min(selection.ProxyObjective);
        Assert.Equal(brute, selection.ProxyObjective(pool), 9);
    }

    [Fact]
    public void Growth_curve_is_non_increasing_in_energy_when_no_group_needs_repair()
    {
        // Intermediates of 1 MiB fit every buffer, so the plans are the same for every pool and adding a design only adds options.
        var (selection, table) = Suite(Objective.Energy, ("a", [1 * MiB, 1 * MiB, 1 * MiB, 1 * MiB], 3), ("b", [1 * MiB, 1 * MiB, 1 * MiB], 4));
        var (curve, chosen) = selection.Grow(table.Candidates.Length, 0.01, 2);
        Assert.Equal(table.Candidates.Length, curve.Length);
        for (int i = 1; i < curve.Length; i++) Assert.True(curve[i].Objective <= curve[i - 1].Objective * (1 + 1e-12), $"K = {i + 1} rose");
        Assert.InRange(chosen, 1, curve.Length);
    }

    [Fact]
    public void Nre_per_unit_is_shared_by_the_applications_using_a_design()
    {
        var (selection, table) = Suite(Objective.EnergyCost, ("a", [1 * MiB, 1 * MiB], 3), ("b", [1 * MiB, 1 * MiB], 4));
        // One design for both applications: its $14.0 M NRE (Mozart, 16 nm; 14 nm scales by 1) over 2 products, plus each
        // product's own $0.8 M (interposer mask 0.3 + package design 0.5), over 1 M units.
        var single = selection.Evaluate([0]);
        Assert.All(single.Packages, p => Assert.Equal((14.0e6 / 2 + 0.8e6) / 1e6, p!.Cost.NrePerUnitUsd, 6));
        // The same design serving one application alone pays all of it.
        var alone = new BasicDesigner(Tech, table, table.Models[0], [table.Candidates[0]], MemoryOption.Mozart(Tech), Options(), _ => 1);
        var package = alone.Evaluate(alone.Adapt(single.Packages[0]!.Plan))!;
        Assert.Equal((14.0e6 + 0.8e6) / 1e6, package.Cost.NrePerUnitUsd, 6);
    }

    [Fact]
    public void Monolithic_baseline_counts_nre_per_network()
    {
        // Two identical applications pick the same design, yet each pays the design's whole NRE.
        var (selection, table) = Suite(Objective.EnergyCost, ("a", [1 * MiB, 1 * MiB, 1 * MiB], 5), ("b", [1 * MiB, 1 * MiB, 1 * MiB], 5));
        var plans = table.Models.Select(m => new FusionPlan([(0, m.Chain.Length)], [0])).ToList();
        var baselines = EcosystemRunner.Baselines(Tech, table, plans, MemoryOption.Mozart(Tech), Options(), selection);
        var monolithic = baselines.Single(b => b.Name == "monolithic");
        Assert.Equal(monolithic.Designs[0], monolithic.Designs[1]);
        Assert.All(monolithic.Packages, p =>
        {
            Assert.Single(p!.Designs);
            Assert.Equal((14.0e6 + 0.8e6) / 1e6, p.Cost.NrePerUnitUsd, 6);
        });
        // The homogeneous baseline shares its one design across both.
        Assert.All(baselines.Single(b => b.Name == "homogeneous").Packages, p => Assert.Equal((14.0e6 / 2 + 0.8e6) / 1e6, p!.Cost.NrePerUnitUsd, 6));
    }

    // ------------------------------------------------------------------------------------------- Mozart's objective

    private const double PicoToUnit = 1e-12;
    private const double LpddrModuleUsd = 4 * 2.31; // one 4 GB LPDDR5 module at $2.31/GB (Mozart's table)

    /// <summary>
    /// Two designs (A, B) and two one-operator applications: "a" spends 1 mJ of compute on A and
    /// <paramref name="penalty"/> mJ on B, "b" the reverse; each moves 1 MiB over LPDDR5 and keeps 1 MiB of weights.
    /// </summary>
    private static (PoolSelection Selection, ProfileTable Table) Toy(double penalty, CostBasis basis)
    {
        var candidates = Candidates();
        ImmutableArray<ChipletCandidate> designs = [candidates[0], candidates[2]];
        var steps = new[] { "a", "b" }.Select(n => new ChainStep(0, $"{n}-op", MiB, [], MiB)).ToArray();
        var profiles = new Dictionary<(string, string), OperatorProfile>();
        for (int d = 0; d < 2; d++)
            for (int a = 0; a < 2; a++)
                profiles[(designs[d].Name, steps[a].ShapeKey)] = new OperatorProfile(true, 1000, (d == a ? 1 : penalty) * 1e9, 0, 0, MiB);
        var apps = steps.Select((s, a) => new SuiteModel(a == 0 ? "a" : "b", [(s.ShapeKey, 1)]) { Chain = [s] }).ToImmutableArray();
        var table = new ProfileTable(designs, apps, ImmutableDictionary<string, OperatorShape>.Empty, profiles.ToImmutableDictionary(), 0, 0);
        var options = Options(Objective.EnergyCost) with { Basis = basis };
        FusionPlan whole = new([(0, 1)], [0]);
        return (new PoolSelection(Tech, table, apps, [whole, whole], [.. MemoryOption.Mozart(Tech).Take(1)], options), table);
    }

    /// <summary>By hand: dynamic energy, the LPDDR5 bits (11 pJ/bit) and leakage over the stage latency (TP = 1).</summary>
    private static double Energy(ChipletCandidate design, double computeMj)
    {
        var lpddr5 = MemoryOption.Mozart(Tech)[0];
        var latency = Math.Max(1000 / design.Core.FrequencyHz, MiB / lpddr5.BandwidthBytesPerSecond);
        return computeMj * 1e-3 + MiB * 8 * 11 * PicoToUnit + design.LeakageW * latency;
    }

    /// <summary>A known-good die of the design with one LPDDR5 PHY and no die-to-die PHYs (one chiplet per package).</summary>
    private static double DieUsd(ChipletCandidate design) => CostProfile.Default.Die(Tech, design.Name,
        CostModel.Area(Tech, design.Chiplet, ["LPDDR5"], 0, Packaging.Interposer25D).TotalMm2, design.Node).CostPerGoodDieUsd;

    [Fact]
    public void The_per_application_cost_is_dies_and_memory_by_default_and_adds_packaging_and_nre_with_the_all_in_flag()
    {
        var (mozart, table) = Toy(1.2, CostBasis.DiesAndMemory);
        var (allIn, _) = Toy(1.2, CostBasis.AllIn);
        var (a, b) = (table.Candidates[0], table.Candidates[1]);
        foreach (var pool in new[] { new[] { 0 }, [0, 1] })
        {
            // One design for both products: $14.0 M over 2 products; two designs: each over its one product; plus $0.8 M per product.
            var nrePerUnit = pool.Length == 1 ? 14.0 / 2 + 0.8 : 14.0 + 0.8;
            var p = mozart.Evaluate(pool).Packages[0]!;
            Assert.Equal(DieUsd(a) + LpddrModuleUsd, p.CostUsd, 9);
            Assert.Equal(nrePerUnit, p.Cost.NrePerUnitUsd, 9);
            var q = allIn.Evaluate(pool).Packages[0]!;
            Assert.Equal(p.Cost.UnitCostUsd + nrePerUnit, q.CostUsd, 9);
            Assert.True(q.Cost.PackagingUsd > 0);
        }
        // The fleet beside it: each design's $14.0 M once and each product's $0.8 M once, over 2 × 1 M units; without
        // reuse each product pays its design's NRE even when both use the same design.
        var fleet = FleetCost.Of("pool", mozart.Evaluate([0, 1]).Packages, reuse: true, 1_000_000);
        Assert.Equal((2, 28.0e6, 2, 1.6e6), (fleet.Designs, fleet.DesignNreUsd, fleet.Products, fleet.ProductNreUsd));
        Assert.Equal(14.8, fleet.NrePerUnitUsd, 9);
        var one = mozart.Evaluate([0]).Packages;
        Assert.Equal((14.0e6 + 1.6e6) / 2e6, FleetCost.Of("one", one, reuse: true, 1_000_000).NrePerUnitUsd, 9);
        Assert.Equal((28.0e6 + 1.6e6) / 2e6, FleetCost.Of("no reuse", one, reuse: false, 1_000_000).NrePerUnitUsd, 9);
        // Mozart's E·C of the two-design pool, by hand: each application on its own design.
        var expected = Math.Sqrt(Energy(a, 1) * (DieUsd(a) + LpddrModuleUsd) * Energy(b, 1) * (DieUsd(b) + LpddrModuleUsd));
        Assert.Equal(expected, mozart.Evaluate([0, 1]).Objective, 12);
    }

    [Fact]
    public void A_pool_of_two_designs_beats_one_when_the_applications_prefer_different_designs_unless_each_pays_its_nre()
    {
        // Each application spends 20 % more energy on the other's design.
        var (mozart, table) = Toy(1.2, CostBasis.DiesAndMemory);
        var (curve, k) = mozart.Grow(2, 0.01, 2);
        Assert.Equal(2, k);
        var (a, b) = (table.Candidates[0], table.Candidates[1]);
        var (ca, cb) = (DieUsd(a) + LpddrModuleUsd, DieUsd(b) + LpddrModuleUsd);
        // The best single design serves the other application at 1.2 mJ; both designs serve each at 1 mJ.
        var single = Math.Min(Math.Sqrt(Energy(a, 1) * Energy(a, 1.2)) * ca, Math.Sqrt(Energy(b, 1.2) * Energy(b, 1)) * cb);
        Assert.Equal(single, curve[0].Objective, 12);
        Assert.Equal(Math.Sqrt(Energy(a, 1) * ca * Energy(b, 1) * cb), curve[1].Objective, 12);
        Assert.True(curve[1].Gain > 0.01, $"gain {curve[1].Gain}");
        // Charging each product a second design's NRE ($14.8 M instead of $7.8 M per unit of 1 M) makes one design cheaper.
        var (allIn, _) = Toy(1.2, CostBasis.AllIn);
        var (allInCurve, allInK) = allIn.Grow(2, 0.01, 2);
        Assert.Equal(1, allInK);
        Assert.True(allInCurve[1].Objective > allInCurve[0].Objective);
    }
}
