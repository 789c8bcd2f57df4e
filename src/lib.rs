pub fn x(){}
pub mod crypto;
pub mod keys;
pub mod trust;
