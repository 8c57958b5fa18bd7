//! `skus.csv`: one row per SKU of a catalog run, with its means over the trials.

use crate::stats::SkuSummary;

/// The per-SKU means as CSV: `sku`, mean `oversold`, `penalty`, `lost_margin`, `cost`,
/// `cost_per_year`, `exposure_seconds`, `first_stockout_seconds`, and `p_any_oversell`.
pub fn skus_csv(skus: &[SkuSummary]) -> anyhow::Result<Vec<u8>> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for sku in skus {
        writer.serialize(sku)?;
    }
    Ok(writer.into_inner().map_err(|e| e.into_error())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_a_row() {
        let row = SkuSummary {
            sku: "TEE-M".into(),
            oversold: 0.5,
            penalty: 12.0,
            lost_margin: 3.0,
            cost: 15.0,
            cost_per_year: 15.0 * 13.0,
            exposure_seconds: 60.0,
            first_stockout_seconds: 86_400.0,
            p_any_oversell: 0.25,
        };
        let text = String::from_utf8(skus_csv(&[row]).unwrap()).unwrap();
        assert_eq!(
            text,
            "sku,oversold,penalty,lost_margin,cost,cost_per_year,exposure_seconds,\
             first_stockout_seconds,p_any_oversell\nTEE-M,0.5,12.0,3.0,15.0,195.0,60.0,86400.0,0.25\n"
        );
    }
}
