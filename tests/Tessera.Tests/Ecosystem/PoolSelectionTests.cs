using Tessera.Scoring;
using Tessera.Ecosystem;
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
}
