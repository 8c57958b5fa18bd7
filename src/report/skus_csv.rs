//! `skus.csv`: one row per SKU of a catalog run, with its means over the trials.

use crate::stats::SkuSummary;

/// The per-SKU means as CSV: `sku`, mean `oversold`, `penalty`, `lost_margin`, `cost`,
/// `cost_per_year`, `exposure_seconds`, `first_stockout_seconds`, `p_any_oversell`, then
/// `shrunk_units` (empty when no SKU shrinks) and `low_stock_alert_seconds` (empty without
/// `[monitoring] low_stock_days`).
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

    fn tee(shrunk_units: Option<f64>, low_stock_alert_seconds: Option<f64>) -> SkuSummary {
        SkuSummary {
            sku: "TEE-M".into(),
            oversold: 0.5,
            penalty: 12.0,
            lost_margin: 3.0,
            cost: 15.0,
            cost_per_year: 15.0 * 13.0,
            exposure_seconds: 60.0,
            first_stockout_seconds: 86_400.0,
            p_any_oversell: 0.25,
            shrunk_units,
            low_stock_alert_seconds,
        }
    }

    #[test]
    fn header_and_a_row() {
        let text = String::from_utf8(skus_csv(&[tee(None, None)]).unwrap()).unwrap();
        assert_eq!(
            text,
            "sku,oversold,penalty,lost_margin,cost,cost_per_year,exposure_seconds,\
             first_stockout_seconds,p_any_oversell,shrunk_units,low_stock_alert_seconds\n\
             TEE-M,0.5,12.0,3.0,15.0,195.0,60.0,86400.0,0.25,,\n"
        );
    }

    #[test]
    fn shrink_and_low_stock_fill_their_cells() {
        let text = String::from_utf8(skus_csv(&[tee(Some(1.75), Some(3600.0))]).unwrap()).unwrap();
        assert!(
            text.ends_with("\nTEE-M,0.5,12.0,3.0,15.0,195.0,60.0,86400.0,0.25,1.75,3600.0\n"),
            "{text}"
        );
    }
}
