using Tessera.Reports;

namespace Tessera.Tests.Reports;

/// <summary>The one number formatter of the console tables, the report's tables and the charts' axes.</summary>
public sealed class NumberFormatTests
{
    [Theory]
    [InlineData(0.004, "s", 1e3, "ms")]
    [InlineData(2.5e-7, "J", 1e9, "nJ")]
    [InlineData(3.2e9, "B", 1e-9, "GB")]
    [InlineData(1.0, "J", 1, "J")]
    [InlineData(999.0, "s", 1, "s")]
    public void Axes_take_the_si_prefix_that_brings_the_largest_value_into_1_to_1000(double max, string unit, double factor, string prefixed)
    {
        var (f, u) = NumberFormat.SiScale([max / 3, -max, 0, double.NaN], unit);
        Assert.Equal(factor, f, 1e-12 * factor);
        Assert.Equal(prefixed, u);
        Assert.InRange(max * f, 1, 1000);
    }

    [Theory]
    [InlineData(0.00123, ValueKind.Seconds, "1.23 ms", "0.00123")]
    [InlineData(4.5e-7, ValueKind.Joules, "450 nJ", "4.5E-07")]
    [InlineData(1234567.0, ValueKind.Count, "1.23 M", "1,234,567")]
    [InlineData(3145728.0, ValueKind.Bytes, "3.00 MiB", "3.146E+06")]
    [InlineData(5403.4, ValueKind.Usd, "$5,403", "5403")]
    [InlineData(0.5, ValueKind.Ratio, "0.500", "0.5")]
    [InlineData(2500.0, ValueKind.PerSecond, "2.50 k/s", "2500")]
    [InlineData(double.NaN, ValueKind.Seconds, "", "")]
    public void A_cell_reads_with_a_prefixed_unit_on_the_console_and_in_its_base_unit_in_the_report(double value, ValueKind kind, string console, string report)
    {
        Assert.Equal(console, NumberFormat.WithUnit(value, kind));
        Assert.Equal(report, NumberFormat.InBaseUnit(value, kind));
    }

    [Fact]
    public void Text_stays_as_it_is()
    {
        Assert.Equal("gpt2", NumberFormat.WithUnit("gpt2", ValueKind.Text));
        Assert.Equal("gpt2", NumberFormat.InBaseUnit("gpt2", ValueKind.Text));
    }
}
