/*
 * IOC type names both ways: every canonical name gives its type and back,
 * other spellings of the case still match, anything else is no type.
 */
#include "ctiflow/ioc.h"
#include "testlib.h"

int main(void)
{
    for (int t = 1; t < CF_IOC_TYPE_COUNT; t++) {
        CHECK_INT(cf_ioc_type_from_name(cf_ioc_type_name((cf_ioc_type)t)), t);
    }
    CHECK_INT(cf_ioc_type_from_name("url"), CF_IOC_URL);
    CHECK_INT(cf_ioc_type_from_name("SHA256"), CF_IOC_SHA256);
    CHECK_INT(cf_ioc_type_from_name("X509-Sha1"), CF_IOC_X509_SHA1);
    CHECK_INT(cf_ioc_type_from_name("sha"), CF_IOC_NONE);
    CHECK_INT(cf_ioc_type_from_name("sha2566"), CF_IOC_NONE);
    CHECK_INT(cf_ioc_type_from_name(""), CF_IOC_NONE);
    CHECK_INT(cf_ioc_type_from_name(NULL), CF_IOC_NONE);
    CHECK_INT(cf_ioc_type_from_name("auto"), CF_IOC_NONE);
    TEST_MAIN_END();
}
