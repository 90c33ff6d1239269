using Tessera.Hardware;
using Tessera.Technology;

namespace Tessera.Tests.Hardware;

public class DataflowTests
{
    private static readonly ArrayAxis[] Axes = [new("D1", 16), new("D2", 8)];

    [Theory]
    [InlineData("weight-stationary", "K", "C")]
    [InlineData("output-stationary", "OX", "OY")]
    [InlineData("input-stationary", "C", "OX")]
    [InlineData("is", "C", "OX")]
    [InlineData("systolic", "C", "K")]
    public void Named_dataflows_unroll_their_dimensions_on_the_array_axes(string name, string d1, string d2)
    {
        var unrolling = Dataflows.Create(name, Axes, TechnologyLibrary.LoadDefault());
        Assert.Equal(16, unrolling.FactorOf(d1));
        Assert.Equal(8, unrolling.FactorOf(d2));
        Assert.Equal(16 * 8, new[] { "K", "C", "OX", "OY", "FY" }.Aggregate(1, (p, d) => p * unrolling.FactorOf(d)));
    }
}
