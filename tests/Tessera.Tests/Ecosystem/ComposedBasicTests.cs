using Tessera.Chiplets;
using Tessera.Costs;
using Tessera.Ecosystem;
using Tessera.Floorplanning;
using Tessera.Scoring;
using static Tessera.Tests.Ecosystem.EcosystemFixtures;

namespace Tessera.Tests.Ecosystem;

public sealed class ComposedBasicTests
{
    [Fact]
    public void The_package_floorplanned_is_the_package_simulated_with_every_tensor_parallel_chiplet_and_module()
    {
        var candidates = Candidates(2);
        var costModel = CostModels.Create(CostModels.Default);
        var table = new OperatorProfiler(Tech, costModel).Profile(candidates, ["gpt2-small:decode"]);
        var app = table.Models[0];
        // The least period: the slowest of three stages runs at TP = 2, so a stage owns two chiplets with their modules.
        var options = Options(Objective.Latency);
        var designer = new BasicDesigner(Tech, table, app, candidates, MemoryOption.Mozart(Tech), options, _ => 1);
        int third = designer.ChainLength / 3;
        var basic = designer.Evaluate(designer.Adapt(new FusionPlan([(0, third), (third, third), (2 * third, designer.ChainLength - 2 * third)], [0, 2, 0])))!;
        Assert.Contains(basic.Stages, s => s.TensorParallel == 2);

        var composed = basic.Compose(Tech);
        var package = composed.Package;
        Assert.Equal(basic.Stages.Sum(s => s.TensorParallel), package.Chiplets.Length);
        Assert.Equal(basic.Groups.Sum(g => g.MemoryModules), package.Memories.Length);
        // The one cost model prices it as the search did.
        Assert.Equal(basic.Cost.TotalUsd, composed.Cost.TotalUsd, 9);

        var simulated = EcosystemRunner.Simulate(app, basic, composed, costModel);
        var plan = composed.Floorplan;
        var dies = plan.Blocks.Where(b => b.Kind == BlockKind.Die).Select(b => b.Id).ToList();
        Assert.Equal(dies.Count, simulated.Chiplets);
        Assert.Equal(plan.Blocks.Count(b => b.Kind == BlockKind.MemoryStack) + plan.OffPackageMemories.Length, simulated.Memories);
        Assert.Equal(package.Links.Length, simulated.Links);
        // Every floorplanned die leaks for the whole simulated inference, the idle tensor-parallel one too.
        var leakage = dies.Sum(id => package.Chiplets.Single(c => c.Id == id).Design.StaticPowerW);
        Assert.Equal(leakage * simulated.LatencySeconds, simulated.StaticJ, 12);
    }
}
